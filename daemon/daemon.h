/* SPDX-License-Identifier: MIT */
/*
 * ioverbsd's internals: the device slots (one file uverbsN per soft
 * device), the open files, logging, and the process_vm address spaces
 * through which the core reaches a client's memory.
 *
 * The daemon runs libfuse's single-threaded loop: every FUSE request, and
 * so every command, control request and release, runs in that one thread.
 * Nothing here takes a lock; the core's own locking still applies.
 */
#ifndef _DAEMON_DAEMON_H
#define _DAEMON_DAEMON_H

#include <stdarg.h>
#include <sys/types.h>

#include <compat.h>
#include <list.h>
#include <rdma/ib_verbs.h>

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
 * struct pvm_mm - another process's memory, through process_vm_readv/writev
 * @mm: what the core sees (current_mm, ucontext->mm); must stay first
 * @pid: the process (a tgid) or thread (a tid) whose memory this is
 * @pidfd: for a long-lived one, a pidfd of @pid that says when it exited;
 *	-1 for one that lives for one command (the caller is blocked in its
 *	ioctl, so its thread id cannot be reused meanwhile)
 * @windows: a command's mm: the file's long-lived mm whose command windows
 *	it may use if the caller is of that process, or NULL
 * @trusted: a command's mm: 0 until its first window hit, then 1 if its
 *	thread is of @windows' process, -1 if not
 * @ranges, @nranges: a long-lived mm: the mappings of its process that
 *	commands touched, each a command window (mapped here) or not
 */
#define PVM_MAX_RANGES 16
struct pvm_range {
	u64 start;
	u64 end;
	u8 *map;	/* NULL: not a window */
};

struct pvm_mm {
	struct compat_mm mm;
	pid_t pid;
	int pidfd;
	struct pvm_mm *windows;
	int trusted;
	struct pvm_range ranges[PVM_MAX_RANGES];
	unsigned int nranges;
};

void pvm_mm_init_caller(struct pvm_mm *m, pid_t tid);
void pvm_mm_use_windows(struct pvm_mm *m, struct pvm_mm *owner);
pid_t pvm_tid_to_tgid(pid_t tid);
/* The pid (a thread id) of current_mm if it is a pvm_mm, else 0. */
pid_t pvm_current_pid(void);
struct pvm_mm *pvm_mm_open(pid_t tgid);
void pvm_mm_close(struct pvm_mm *m);
bool pvm_mm_exited(const struct pvm_mm *m);

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
struct fuse_file_info;
struct fuse_pollhandle;
struct stat;
int ivd_events_init(const char *mountpoint);
bool ivd_event_ino(unsigned long ino);
void ivd_event_fill_attr(unsigned long ino, struct stat *st);
int ivd_event_bind(struct ib_uverbs_file *ufile, struct ib_uobject *uobj,
		   pid_t tid, int fd);
void ivd_event_unbind(struct ib_uverbs_file *ufile, int fd);
void ivd_event_ready(struct ib_uobject *uobj);
void ivd_event_release(struct fuse_file_info *fi);
extern pid_t ivd_caller_tid;

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
 * @mm: @tgid's memory, the context's (see ivd_context_mm())
 * @num_cmds: commands run, for the release log line
 * @uid: the opener's uid, whose quotas the file's objects count against
 * @acct: what the file holds (limits.h)
 */
struct ivd_file {
	struct list_head list;
	struct ivd_dev *dev;
	struct ivd_hw *hw;
	struct ib_uverbs_file *ufile;
	unsigned long serial;
	pid_t tgid;
	struct pvm_mm *mm;
	unsigned long num_cmds;
	uid_t uid;
	struct ivd_account acct;
};

/**
 * struct ivd_config - what the command line asked for
 */
struct ivd_config {
	unsigned int num_devices;
	struct {
		uid_t uid;
		gid_t gid;
		mode_t mode;
		bool set;
	} perm[IVD_MAX_DEVICES];
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

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
