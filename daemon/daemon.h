/* SPDX-License-Identifier: MIT */
/*
 * ioverbsd's internals: the device slots (one file uverbsN per soft
 * device), the open files, logging, and the process_vm address spaces
 * through which the core reaches a client's memory.
 *
 * One libfuse loop thread receives every request and serves itself only
 * what cannot wait on a client (fs.c): lookups, event files, and commands
 * wholly in known command windows that reach no other client memory.
 * Anything that may wait -- a command that needs process_vm, an MR's
 * pages or a client's descriptor, an open, a release, a control command --
 * runs on a worker thread (workers.c), as a system call runs on its
 * caller's thread in a kernel, so that it holds up its own caller only.
 * Each user may have a bounded number of commands on workers (limits.c),
 * so no user can take every worker.
 *
 * Lock order: ivd_ctl_lock (control commands, one at a time) -> ivd_lock
 * (the slots, their file lists, device references) -> the core's locks ->
 * events_lock (events.c) and dev_poll_lock (fs.c: device files' pollers,
 * taken before libfuse's session lock); limits_lock and workers_lock are
 * leaves.  ivd_lock is never held across a
 * command, a release, or a device's unregistration: each of those may
 * wait for a client.
 */
#ifndef _DAEMON_DAEMON_H
#define _DAEMON_DAEMON_H

#include <pthread.h>
#include <stdarg.h>
#include <sys/types.h>
#include <time.h>

#include <compat.h>
#include <list.h>
#include <rdma/ib_verbs.h>
#include <rdma/soft_device.h>

#include "ctl.h"
#include "limits.h"

/* --- logging (log.c) --------------------------------------------------- */

enum ivd_log_level { IVD_LOG_ERR, IVD_LOG_WARN, IVD_LOG_INFO, IVD_LOG_DEBUG };

extern int ivd_log_level;

/**
 * ivd_log_open() - choose where the log goes
 * @level: the most verbose level written
 * @file: a path to append to, or NULL
 * @foreground: with no @file, stderr; otherwise syslog
 *
 * Return: 0 or a negative errno (the file cannot be opened).
 */
int ivd_log_open(int level, const char *file, bool foreground);

/**
 * ivd_log_attach_stderr() - make the log file the daemon's stderr too
 *
 * After daemonizing, so that the core's messages and sanitizer reports
 * land in the log file.  Does nothing when the log is not a file.
 */
void ivd_log_attach_stderr(void);
void ivd_log_close(void);

/**
 * ivd_log() - one log line, if @level is enabled
 * @level: an &enum ivd_log_level
 * @fmt: printf format; the line says what happened to whom (device,
 *	file #serial, pid, command, errno)
 */
void ivd_log(int level, const char *fmt, ...) __printf(2, 3);

/**
 * ivd_log_client() - a line that a client's action causes
 * @uid: the client's uid: the lines of one uid share one budget
 * @level: an &enum ivd_log_level
 * @fmt: as ivd_log()
 *
 * As the kernel's printk_ratelimited(): each uid may log a burst of
 * lines per interval (--log-ratelimit=BURST/SECONDS, default 10/5);
 * lines beyond are counted, not written, and the uid's next line written
 * is preceded by "uid U: N lines suppressed".  Debug lines are not
 * limited: --log-level=debug traces everything, by its own choice.
 */
void ivd_log_client(uid_t uid, int level, const char *fmt, ...) __printf(3, 4);

/**
 * ivd_log_ratelimit() - set the per-uid budget of ivd_log_client()
 * @burst: lines per interval; 0 turns the limit off
 * @interval_s: seconds
 *
 * Before the daemon serves anyone.
 */
void ivd_log_ratelimit(unsigned int burst, unsigned int interval_s);

#define log_err(...) ivd_log(IVD_LOG_ERR, __VA_ARGS__)
#define log_warn(...) ivd_log(IVD_LOG_WARN, __VA_ARGS__)
#define log_info(...) ivd_log(IVD_LOG_INFO, __VA_ARGS__)
#define log_debug(...) ivd_log(IVD_LOG_DEBUG, __VA_ARGS__)

/**
 * ivd_errname() - an errno's name
 * @err: an errno, negative or not
 * Return: "EINVAL" for -EINVAL or EINVAL, "0" for 0; never NULL.
 */
const char *ivd_errname(long err);

/* --- process_vm address spaces (pvm.c) ------------------------------- */

/**
 * struct pvm_mm - another process's memory
 * @mm: what the core sees (current_mm, ucontext->mm); must stay first
 * @pid: a command's mm: the caller's thread id; a file's mm: the opener's
 *	process (tgid)
 * @pidfd: a file's mm: a pidfd of @pid (pidfd_getfd(), the exit check);
 *	-1 for a command's
 * @memfd: a file's mm: /proc/TID/mem of the opening thread, the address
 *	space the file is bound to; -1 for a command's, which copies with
 *	process_vm_readv/writev on its caller's thread
 * @windows: a command's mm: its file's mm, whose command windows it uses
 * @windows_only: a command's mm on the FUSE loop's thread: copies outside
 *	known windows fail (nothing copied) instead of reaching the client
 * @ranges_lock: a file's mm: serializes adding to @ranges
 * @ranges, @nranges: a file's mm: mappings that commands touched, each a
 *	command window (mapped here) or not; entries are published whole
 *	(@nranges with release) and only ever retired, never reused
 */
#define PVM_MAX_RANGES 16
struct pvm_range {
	u64 start;
	u64 end;
	u8 *map;	/* NULL: not a window */
	bool retired;	/* the client mapped something else there */
};

struct pvm_mm {
	struct compat_mm mm;
	pid_t pid;
	int pidfd;
	int memfd;
	struct pvm_mm *windows;
	bool windows_only;
	pthread_mutex_t ranges_lock;
	struct pvm_range ranges[PVM_MAX_RANGES];
	unsigned int nranges;
};

void pvm_mm_init_caller(struct pvm_mm *m, pid_t tid);
void pvm_mm_use_windows(struct pvm_mm *m, struct pvm_mm *owner);
void pvm_window_check(struct pvm_mm *owner, u64 uaddr, const void *hdr,
		      size_t n);
bool pvm_cmd_in_windows(struct pvm_mm *owner, u64 arg,
			const struct ib_uverbs_ioctl_hdr *hdr);
pid_t pvm_tid_to_tgid(pid_t tid);
/* The pid (a thread id) of current_mm if it is a pvm_mm, else 0. */
pid_t pvm_current_pid(void);
struct pvm_mm *pvm_mm_open(pid_t tid);
void pvm_mm_close(struct pvm_mm *m);
bool pvm_mm_exited(const struct pvm_mm *m);
int pvm_mm_check(pid_t tid, const struct pvm_mm *owner);

/**
 * pvm_copy() - copy between our memory and process @pid's
 * @pid: the process or thread
 * @local: our buffer of @n bytes
 * @remote: the address in @pid
 * @n: bytes
 * @write: true to write @local to @remote, false to read
 *
 * Return: the number of bytes NOT copied (0 on success); the bytes before
 * the first page that cannot be reached are copied, as copy_from_user().
 */
size_t pvm_copy(pid_t pid, void *local, u64 remote, size_t n, bool write);

/* --- devices and files (fs.c) ---------------------------------------- */

#define IVD_MAX_DEVICES 64

/*
 * Inode numbers: the root, the control file, one per device slot, the
 * events directory, then event files (never reused).
 */
enum {
	IVD_INO_ROOT = 1,
	IVD_INO_CTL = 2,
	IVD_INO_DEV0 = 3,
	IVD_INO_EVENTS = IVD_INO_DEV0 + IVD_MAX_DEVICES,
	IVD_INO_EVENT0 = 0x10000,
};

/* Seconds the kernel may cache an attribute or a name. */
#define IVD_ATTR_TIMEOUT 1.0

/* events.c: completion channels as files (MOUNT/events/NAME). */
#define IVD_EVENT_NAME_MAX 63
/* Event files one uid may hold at once (--max-event-files). */
#define IVD_EVENT_MAX_PER_USER 4096
extern unsigned int ivd_event_max_per_user;
/*
 * --test-hooks: a read of an event file whose name starts with
 * IVD_EVENT_TEST_PARK parks, then holds its FUSE thread for
 * IVD_EVENT_TEST_PARK_MS, logging "test hook: ..." at both ends, so that
 * a test can answer the parked read from another thread meanwhile.
 */
extern bool ivd_event_test_hooks;
#define IVD_EVENT_TEST_PARK "ivd-test-park"
#define IVD_EVENT_TEST_PARK_MS 500
struct fuse_file_info;
struct fuse_pollhandle;
struct stat;
int ivd_events_init(const char *mountpoint);
void ivd_events_exit(void);
bool ivd_event_ino(unsigned long ino);
void ivd_event_fill_attr(unsigned long ino, struct stat *st);
/*
 * Spare event files: a provider keeps some open, named
 * IVD_EVENT_SPARE_PREFIX..., for the legacy CREATE_COMP_CHANNEL that
 * libibverbs writes by itself (legacy.c).
 */
#define IVD_EVENT_SPARE_PREFIX "legacy-"
/**
 * ivd_event_spare() - the caller's lowest unbound spare event file
 * @tid: the calling thread
 * @uid: its user: only that user's files
 * @after: only descriptors above this one (-1: any)
 *
 * Return: the descriptor number in the caller, or -EMFILE if none.
 */
int ivd_event_spare(pid_t tid, uid_t uid, int after);
int ivd_event_bind(struct ib_uverbs_file *ufile, struct ib_uobject *uobj,
		   pid_t tid, int fd);
void ivd_event_unbind(struct ib_uverbs_file *ufile, int fd);
void ivd_event_ready(struct ib_uobject *uobj);
void ivd_event_release(struct fuse_file_info *fi);
/* The thread whose command runs on this thread (fd_alloc needs it). */
extern __thread pid_t ivd_caller_tid;
extern pthread_mutex_t ivd_lock;
extern pthread_mutex_t ivd_ctl_lock;

/**
 * struct ivd_dev_ops - how a slot other than a soft device's makes and
 *	frees its device (ivd_extra_devices())
 * @create: a registered device called @name, or an ERR_PTR
 * @destroy: frees a device created by @create, after
 *	ib_unregister_device() and its last file
 */
struct ivd_dev_ops {
	struct ib_device *(*create)(const char *name);
	void (*destroy)(struct ib_device *ib);
};

/**
 * struct ivd_hw - a soft device and who still needs its memory
 * @ib: the device
 * @ops: how to free it; NULL for a soft device
 * @refs: the slot while @ib is its device, plus one per file opened on it
 *
 * After ib_unregister_device() the core still reads the driver's types
 * table through files that outlive the removal (udev->types points into
 * the soft device), so the soft device is freed only with its last file.
 */
struct ivd_hw {
	struct ib_device *ib;
	const struct ivd_dev_ops *ops;
	unsigned int refs;
};

/**
 * struct ivd_dev - one device slot, the file uverbsN
 * @name: the file name, also the soft device's registered name
 * @ib: the soft device; NULL while removed (the file stays, opens fail
 *	with ENODEV)
 * @hw: @ib's lifetime; NULL while removed
 * @ops: how the slot's device is made; NULL for a soft device (uverbsN)
 * @ops: how the slot's device is made; NULL for a soft device (uverbsN)
 * @uid, @gid, @mode: the file's owner and permission bits
 * @num_pkeys, @pkeys: the soft device's P_Key table (--pkeys; 0 entries:
 *	the device's default); fixed once the slot is set up
 * @test_hooks: the soft device serves SOFT_VENDOR_INJECT (--test-hooks);
 *	fixed likewise
 * @roce: its port 1's RoCEv2 binding (--roce, --netdev); fixed likewise
 * @files: the &struct ivd_file opened on this slot, including those that
 *	outlived a removal (disassociated)
 * @num_files: entries in @files
 */
struct ivd_dev {
	char name[24];
	struct ib_device *ib;
	struct ivd_hw *hw;
	const struct ivd_dev_ops *ops;
	uid_t uid;
	gid_t gid;
	mode_t mode;
	u8 num_pkeys;
	u16 pkeys[SOFT_MAX_PKEYS];
	bool test_hooks;
	struct soft_roce_config roce;
	struct list_head files;
	unsigned int num_files;
};

/**
 * struct ivd_file - one open of a uverbsN file (FUSE's fi->fh)
 * @list: in &ivd_dev.files
 * @dev: the slot it was opened on
 * @hw: the device it was opened on (referenced)
 * @ufile: the core's file
 * @serial: a number for logs, unique for the daemon's life
 * @tgid: the opening process
 * @uid: the opener's user: its quotas (@acct) and log budget
 * @mm: @tgid's memory, the context's (see ivd_context_mm())
 * @num_cmds: commands run, for the release log line (atomic)
 * @acct: what the file holds against its user's quotas (limits.h)
 * @opened: when it was opened (CLOCK_MONOTONIC), for ctl stat's rates
 * @ph: a poller of the file to wake when an async event is queued
 *	(POLLPRI), under dev_poll_lock
 */
struct ivd_file {
	struct list_head list;
	struct ivd_dev *dev;
	struct ivd_hw *hw;
	struct ib_uverbs_file *ufile;
	unsigned long serial;
	pid_t tgid;
	uid_t uid;
	struct pvm_mm *mm;
	unsigned long num_cmds;
	struct ivd_account acct;
	struct timespec opened;
	struct fuse_pollhandle *ph;
};

/**
 * struct ivd_config - what the command line asked for
 * @pkeys: each device's P_Key table (--pkeys=uverbsN:...; num 0: default)
 * @test_hooks: --test-hooks: SOFT_VENDOR_INJECT for every client
 * @roce: each device's port 1 as a RoCEv2 port (--roce, --netdev; an
 *	all-zero address: an IB port, no socket)
 */
struct ivd_config {
	unsigned int num_devices;
	struct {
		uid_t uid;
		gid_t gid;
		mode_t mode;
		bool set;
	} perm[IVD_MAX_DEVICES];
	struct {
		u8 num;
		u16 pkeys[SOFT_MAX_PKEYS];
	} pkeys[IVD_MAX_DEVICES];
	bool test_hooks;
	uid_t uid;
	gid_t gid;
	mode_t mode;
	struct soft_roce_config roce[IVD_MAX_DEVICES];
};

int ivd_roce_parse(struct ivd_config *cfg, const char *arg, bool netdev,
		   char *err, size_t errlen);

/* The slots; ivd_devices_init() fills them from @cfg and creates devices. */
extern struct ivd_dev ivd_devs[IVD_MAX_DEVICES];
extern unsigned int ivd_num_devs;

int ivd_devices_init(const struct ivd_config *cfg);

/**
 * ivd_extra_devices() - add slots other than the soft devices
 * @cfg: the command line (owner and mode of the files)
 *
 * Called by ivd_devices_init() after the soft devices.  ioverbsd's own is
 * a weak no-op; a test build of the daemon overrides it to serve the test
 * driver (tests/daemon/td_devices.c, $(O)/asan/daemon/ioverbsd-test).
 * Return: 0 or a negative errno (the daemon does not start).
 */
int ivd_extra_devices(const struct ivd_config *cfg);

/**
 * ivd_dev_slot_add() - a new slot, file @name, whose device @ops makes
 * @name: the file name and the device's registered name
 * @ops: create and destroy
 * @cfg: the owner and mode of the file (its defaults)
 *
 * Return: 0 or a negative errno (no slot left, a name in use, or what
 * @ops->create returned).
 */
int ivd_dev_slot_add(const char *name, const struct ivd_dev_ops *ops,
		     const struct ivd_config *cfg);

void ivd_devices_exit(void);
int ivd_dev_add(struct ivd_dev *d);
int ivd_dev_remove(struct ivd_dev *d);

/**
 * ivd_dev_by_name() - the slot of a file name
 * @name: "uverbsN"
 * Return: the slot, or NULL if there is none by that name.
 */
struct ivd_dev *ivd_dev_by_name(const char *name);
void ivd_file_close(struct ivd_file *f, const char *why);
const char *ivd_type_name(unsigned int type);

/* The FUSE operations (fs.c). */
struct fuse_lowlevel_ops;
extern const struct fuse_lowlevel_ops ivd_fuse_ops;

/* --- workers (workers.c) ---------------------------------------------- */

/**
 * struct ivd_work - a job for a worker thread
 * @node: in the queue
 * @fn: runs the job; owns @w (usually embedded in a larger struct)
 */
struct ivd_work {
	struct list_head node;
	void (*fn)(struct ivd_work *w);
};

void ivd_workers_init(unsigned int max);
int ivd_work_queue(struct ivd_work *w);
unsigned int ivd_workers_exit(unsigned int timeout_ms);

/* --- control (ctl.c) ------------------------------------------------- */

/**
 * struct ivd_ctl - one open of the ctl file: the answer to its last command
 * @list: in the list of open ctl files, freed at exit if still open
 * @out: the answer text (malloc'd), @len bytes, @pos read so far
 */
struct ivd_ctl {
	struct list_head list;
	char *out;
	size_t len;
	size_t pos;
};

/**
 * ivd_ctl_run() - run one control command
 * @c: the open ctl file; its answer is replaced
 * @cmd: the command text ("list", "remove NAME", "add NAME"), not
 *	necessarily NUL-terminated
 * @len: bytes in @cmd
 *
 * Return: 0 or a negative errno; the answer says what happened either way.
 */
int ivd_ctl_run(struct ivd_ctl *c, const char *cmd, size_t len);

/**
 * ivd_ctl_read() - read the answer of the last command
 * @c: the open ctl file
 * @buf: where to copy up to @size bytes
 * Return: the bytes copied, 0 at the end of the answer.
 */
size_t ivd_ctl_read(struct ivd_ctl *c, char *buf, size_t size);

/**
 * ivd_ctl_open() - state for a new open of the ctl file
 * Return: the state, with no answer yet, or NULL when memory is short.
 */
struct ivd_ctl *ivd_ctl_open(void);

/**
 * ivd_ctl_close() - free an open ctl file's state (its RELEASE)
 * @c: from ivd_ctl_open()
 */
void ivd_ctl_close(struct ivd_ctl *c);

/**
 * ivd_ctl_exit() - free every ctl state still open
 *
 * At exit, after the unmount: no RELEASE will come for them.
 */
void ivd_ctl_exit(void);

#endif /* _DAEMON_DAEMON_H */
