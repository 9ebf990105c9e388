/* SPDX-License-Identifier: MIT */
/*
 * Devices, user contexts, user objects and files: what drivers and
 * transports (embedded mode, the daemon) see of the core.
 */
#ifndef _RDMA_IB_VERBS_H
#define _RDMA_IB_VERBS_H

#include <rdma/uverbs_ioctl.h>
#include <rdma/ib_user_ioctl_verbs.h>

struct ib_uverbs_device;
struct uverbs_htable;

/**
 * struct ib_device - a device as its driver registers it
 * @name: for logs
 * @driver_id: commands must carry this id (EINVAL otherwise)
 * @types: the driver's types table
 * @dealloc_ucontext: frees the driver's part of a context
 *	(ucontext->driver_priv) when the file closes or the device goes
 * @index: the device's number, assigned by ib_register_device(): the
 *	lowest one free (uverbs0, uverbs1, ...)
 * @uverbs_dev: the core's state; set by ib_register_device()
 * @list: in the device registry
 */
struct ib_device {
	char name[32];
	u32 index;
	u16 driver_id;
	const struct uverbs_types *types;
	void (*dealloc_ucontext)(struct ib_ucontext *ucontext);
	struct ib_uverbs_device *uverbs_dev;
	struct list_head list;
};

/**
 * struct ib_ucontext - a file's verbs context, created by GET_CONTEXT
 * @device: the device
 * @ufile: the file it belongs to
 * @driver_priv: the driver's context data
 * @mm: the address space of the process the context serves (its memory
 *	regions live there); the caller's current_mm at GET_CONTEXT
 * @handles: IDR objects by handle
 * @fds: FD objects by file descriptor
 * @uobjects: every committed object, newest first (for cleanup)
 * @uobjects_lock: protects @uobjects
 */
struct ib_ucontext {
	struct ib_device *device;
	struct ib_uverbs_file *ufile;
	void *driver_priv;
	struct compat_mm *mm;
	struct uverbs_htable *handles;
	struct uverbs_htable *fds;
	struct list_head uobjects;
	spinlock_t uobjects_lock;
};

/* The most objects one object may depend on (a QP: PD, 2 CQs, SRQ). */
#define UVERBS_MAX_PARENTS 4

enum uverbs_uobject_state {
	UVERBS_UOBJ_RESERVED,	/* NEW in a command that has not committed */
	UVERBS_UOBJ_LIVE,
	UVERBS_UOBJ_ZOMBIE,	/* its driver object was destroyed by device
				 * removal; only DESTROY and close remain */
	UVERBS_UOBJ_DEAD,	/* removed from the handle table */
};

/**
 * struct ib_uobject - a user object
 * @context: the context it lives in
 * @type: its type (ops in @type->obj)
 * @type_id: its index in the types table
 * @object: the driver's object; set by the NEW handler
 * @id: handle (IDR) or file descriptor (FD)
 * @usecnt: > 0: that many shared users; -1: one exclusive user
 * @num_children: objects depending on this one (DESTROY gives EBUSY)
 * @parents: objects this one depends on, released when it is destroyed
 * @num_parents: entries in @parents
 * @state: an &enum uverbs_uobject_state
 * @charged: the object is charged to its file (one %IB_UVERBS_RES_OBJECT
 *	of @type_id), from its reservation until its driver object is gone
 * @list: in context->uobjects
 * @ref: the handle table and every command using the object hold one
 * @rcu: frees the uobject after readers that may still see it are done
 */
struct ib_uobject {
	struct ib_ucontext *context;
	const struct uverbs_type *type;
	u16 type_id;
	void *object;
	u32 id;
	atomic_t usecnt;
	atomic_t num_children;
	struct ib_uobject *parents[UVERBS_MAX_PARENTS];
	u8 num_parents;
	u8 state;
	bool charged;
	struct list_head list;
	struct kref ref;
	struct rcu_head rcu;
};

/**
 * ib_register_device() - make a device available to files
 * @dev: the device; @dev->types is checked (see uverbs_types_check())
 *
 * Adds @dev to the device registry under the lowest free index.
 * Return: 0, -EINVAL for a malformed types table (a message says what),
 * -EEXIST for a name already registered, -ENOMEM.
 */
int __must_check ib_register_device(struct ib_device *dev);

/**
 * ib_device_for_each() - visit every registered device, by index
 * @fn: called with the registry locked; a non-zero return stops the walk
 *	and is returned.  @fn must not register or remove devices.
 * @arg: passed to @fn
 */
int ib_device_for_each(int (*fn)(struct ib_device *dev, void *arg), void *arg);

/**
 * ib_device_find() - a registered device by name
 * Return: the device or NULL.  It stays valid until whoever removes
 * devices removes it; callers that remove devices serialize themselves.
 */
struct ib_device *ib_device_find(const char *name);

/**
 * ib_unregister_device() - remove a device (hot unplug)
 * @dev: the device
 *
 * Commands in flight finish; later commands fail with EIO, except DESTROY,
 * which succeeds; every file's objects and context are destroyed as on
 * close, and a DEVICE_FATAL event is queued on every file.  When this
 * returns the core no longer touches @dev.  Open files stay valid until
 * they are closed.
 */
void ib_unregister_device(struct ib_device *dev);

/**
 * uverbs_types_check() - the registration-time spec checker
 * @types: a driver's types table
 * @name: for messages
 *
 * Rejects what the core cannot serve: more than one NEW or DESTROY
 * attribute in an action, an IDR/FD attribute naming an empty or
 * out-of-range type or a type without object ops, a missing access, PTR
 * lengths with max_len 0 or min_len > max_len, a parent attribute that is
 * not READ or in an action without NEW, more than UVERBS_MAX_PARENTS
 * parents, an action with chains but no handler, a chain count other than
 * 1 or 2, or a distribution function missing; then (Rule 16's names, see
 * docs/design.md) a driver, type, action or attribute without a name or
 * with one its table has already, and a layout that does not fit its
 * attribute (fields outside the struct or overlapping, a size that is
 * not the fixed length or does not divide the flexible lengths).  A
 * missing layout is allowed: the bytes are shown raw.  Prints what is
 * wrong.
 * Return: 0 or -EINVAL.
 */
int uverbs_types_check(const struct uverbs_types *types, const char *name);

/**
 * uverbs_types_dup() - a deep copy of a checked types table
 * @types: a table uverbs_types_check() accepts
 *
 * Everything the table points to but functions and opaque handler priv
 * (core/spec_dup.c says what stays shared), in one allocation that
 * kfree() frees.  ib_register_device() keeps such a copy, so that files
 * outlive the driver's tables (Rule 20).
 * Return: the copy, or NULL (out of memory).
 */
struct uverbs_types *uverbs_types_dup(const struct uverbs_types *types);

/* GET_CONTEXT helpers for drivers' context handlers. */

/**
 * uverbs_ucontext_alloc() - a context for @ufile, not yet visible
 * Return: the context or an ERR_PTR (-EINVAL if @ufile has one already).
 */
struct ib_ucontext *uverbs_ucontext_alloc(struct ib_device *ib_dev,
					  struct ib_uverbs_file *ufile);
/**
 * uverbs_ucontext_commit() - make @uctx the file's context
 *
 * Called by a GET_CONTEXT handler once its driver data is set.  The core
 * publishes the context when the command succeeds (outputs copied) and
 * frees it, calling dealloc_ucontext, when the command fails later.
 * Return: 0, or -EINVAL if the file has or is getting another context;
 * then the caller frees its driver data and calls uverbs_ucontext_abort().
 */
int __must_check uverbs_ucontext_commit(struct ib_ucontext *uctx);
void uverbs_ucontext_abort(struct ib_ucontext *uctx);

/* References on a uobject beyond a command (drivers, event queues). */
void uverbs_uobject_get(struct ib_uobject *uobj);
void uverbs_uobject_put(struct ib_uobject *uobj);

/**
 * ib_uverbs_async_event() - queue an async event on a file
 * @ufile: the file
 * @event_type: an &enum ib_uverbs_event_type
 * @element: the object handle (or port) the event is about
 *
 * Return: 0 or -ENOMEM.
 */
int ib_uverbs_async_event(struct ib_uverbs_file *ufile, u32 event_type,
			  u64 element);

/**
 * ib_uverbs_object_event() - queue an async event about a user object
 * @uobj: the object's uobject; NULL (a driver-internal object): nothing
 * @event_type: an &enum ib_uverbs_event_type
 * @user_handle: reported as the event's element (the object's
 *	user_handle from its CREATE, as libibverbs expects)
 * @events_reported: the object's count of queued events, incremented
 *	under the file's event lock (DESTROY reports it)
 *
 * Return: 0, -ENOMEM, or -ENODEV when the object has no file.
 */
int ib_uverbs_object_event(struct ib_uobject *uobj, u32 event_type,
			   u64 user_handle, u32 *events_reported);

/**
 * ib_uverbs_async_events_queued() - how many async events wait on a file
 *
 * What GET_ASYNC_EVENT would take before it answers EAGAIN, for a
 * transport's poll (see &ib_uverbs_file_ops.async_event).
 */
u32 ib_uverbs_async_events_queued(struct ib_uverbs_file *ufile);

/**
 * ib_uverbs_read_async_event() - take the oldest async event of a file
 * Return: 0 and *@desc filled, or -EAGAIN when there is none.
 */
int ib_uverbs_read_async_event(struct ib_uverbs_file *ufile,
			       struct ib_uverbs_async_event_desc *desc);

/**
 * enum ib_uverbs_resource - what a file is charged for (its quotas)
 * @IB_UVERBS_RES_OBJECT: user objects, counted per type; the core charges
 *	one when it reserves a NEW object and gives it back when the
 *	driver object is gone (DESTROY, abort, close, device removal)
 * @IB_UVERBS_RES_QUEUE_MEM: bytes of queues and rings a driver allocated
 *	for the file's objects; the driver charges and gives back
 * @IB_UVERBS_RES_PINNED: bytes of memory registered (MRs), rounded out
 *	to whole pages as the kernel counts pinned pages; the core charges
 *	them at MR_REG and gives them back when the MR is deregistered
 */
enum ib_uverbs_resource {
	IB_UVERBS_RES_OBJECT,
	IB_UVERBS_RES_QUEUE_MEM,
	IB_UVERBS_RES_PINNED,
	IB_UVERBS_NUM_RES,
};

/**
 * enum ib_uverbs_traffic_op - what a completion was, for the file's counts
 * @IB_UVERBS_TRAFFIC_SEND: a SEND (with or without immediate) completed
 *	on the sender's side
 * @IB_UVERBS_TRAFFIC_RECV: a receive completed (a SEND or an RDMA WRITE
 *	with immediate arrived)
 * @IB_UVERBS_TRAFFIC_RDMA_WRITE: an RDMA WRITE completed on the writer's
 *	side
 * @IB_UVERBS_TRAFFIC_RDMA_READ: an RDMA READ completed on the reader's
 *	side
 * @IB_UVERBS_TRAFFIC_ATOMIC: a compare-and-swap or fetch-and-add
 *	completed on the requester's side
 */
enum ib_uverbs_traffic_op {
	IB_UVERBS_TRAFFIC_SEND,
	IB_UVERBS_TRAFFIC_RECV,
	IB_UVERBS_TRAFFIC_RDMA_WRITE,
	IB_UVERBS_TRAFFIC_RDMA_READ,
	IB_UVERBS_TRAFFIC_ATOMIC,
	IB_UVERBS_NUM_TRAFFIC,
};

/**
 * ib_uverbs_count_traffic() - count a completion against its context's file
 * @uctx: the context of the QP that completed; NULL (a QP no file owns)
 *	counts nothing
 * @op: what completed
 * @bytes: the payload it moved (0 for an error)
 * @error: it completed with an error status other than flush; counted
 *	apart, not as a message
 *
 * For tools (ib_uverbs_file_stats()): per-file atomics, no lock; the
 * driver calls it from whatever thread completes, while the QP lives.
 */
void ib_uverbs_count_traffic(struct ib_ucontext *uctx,
			     enum ib_uverbs_traffic_op op, u64 bytes,
			     bool error);

/**
 * ib_uverbs_charge() - charge a resource to the file of a context
 * @uctx: the context; NULL (an object no file owns) charges nothing
 * @res: what
 * @type_id: the object type it is for (the type of the object counted,
 *	or whose queues or registration the bytes are)
 * @amount: how much (objects or bytes); 0 charges nothing
 *
 * The file's transport may refuse (its @charge hook: per-user and
 * per-file quotas in the daemon; nothing in embedded mode unless the
 * file was opened with such a hook).  A refusal has already said why
 * (uverbs_set_error()): return its errno as it is.  Everything charged
 * must be given back with ib_uverbs_uncharge() on every path that frees
 * it; the core WARNs when a file closes with anything still charged.
 * Return: 0, or the transport's negative errno (EDQUOT for a quota,
 * ENOMEM for registered memory over the caller's RLIMIT_MEMLOCK).
 */
int __must_check ib_uverbs_charge(struct ib_ucontext *uctx,
				  enum ib_uverbs_resource res, u16 type_id,
				  u64 amount);

/**
 * ib_uverbs_uncharge() - give back what ib_uverbs_charge() granted
 * @uctx, @res, @type_id, @amount: as they were charged (possibly in parts)
 */
void ib_uverbs_uncharge(struct ib_ucontext *uctx, enum ib_uverbs_resource res,
			u16 type_id, u64 amount);

/**
 * struct ib_uverbs_file_ops - what a transport provides to a file
 * @fd_alloc: a file descriptor in the caller for a new FD object; returns
 *	the fd or a negative errno.  @hint is what the command's NEW FD
 *	attribute carried (-1 if not a valid fd number): a transport that
 *	cannot create descriptors in the caller binds that one instead
 *	(the daemon: an event file the caller opened on its mount).
 * @fd_release: gives back a descriptor from @fd_alloc
 * @fd_event: optional; an FD object of the file has something to read
 *	now (a completion event).  Called from any thread, with no lock of
 *	the core held, while the object is alive.
 * @async_event: optional; an async event was queued on the file (after
 *	it is counted against its object), so that a transport wakes whoever
 *	waits for one (the daemon: poll() on the device file says POLLPRI
 *	while ib_uverbs_async_events_queued() is not 0).  Called from any
 *	thread while the file is open (before its release can begin its
 *	cleanup), without the file's events_lock; a device's files_lock
 *	(port events reach every file of the device) or the file's
 *	close_sem (removal's DEVICE_FATAL) may be held, so it must not call
 *	into the core but for ib_uverbs_async_events_queued().
 * @context_mm: the address space a new context serves (its memory regions
 *	live there), which must outlive the file; NULL, or a NULL return,
 *	for the caller's current_mm
 * @charge: optional; the file is about to hold @amount more of @res (see
 *	ib_uverbs_charge()).  0 grants it; a negative errno refuses, after
 *	uverbs_set_error() named the limit.  Called by the thread running a
 *	command of the file (or a cleanup), with that command's core locks
 *	held: it must not call into the core.  NULL: no limits.
 * @uncharge: gives back what @charge granted; never fails.  Called on
 *	every path that frees it: DESTROY, abort, close, device removal,
 *	always before ib_uverbs_release() returns.
 */
struct ib_uverbs_file_ops {
	int (*fd_alloc)(struct ib_uverbs_file *ufile, struct ib_uobject *uobj,
			int hint);
	void (*fd_release)(struct ib_uverbs_file *ufile, int fd);
	void (*fd_event)(struct ib_uverbs_file *ufile, struct ib_uobject *uobj);
	void (*async_event)(struct ib_uverbs_file *ufile);
	struct compat_mm *(*context_mm)(struct ib_uverbs_file *ufile);
	int (*charge)(struct ib_uverbs_file *ufile, enum ib_uverbs_resource res,
		      u16 type_id, u64 amount);
	void (*uncharge)(struct ib_uverbs_file *ufile,
			 enum ib_uverbs_resource res, u16 type_id, u64 amount);
};

/**
 * ib_uverbs_open() - open a file on a device
 * @dev: the device
 * @ops: the transport's hooks, NULL for embedded defaults
 * @priv: the transport's data, returned by ib_uverbs_file_priv()
 *
 * Return: the file or an ERR_PTR: -ENODEV if @dev was removed, -ENOMEM.
 */
struct ib_uverbs_file *ib_uverbs_open(struct ib_device *dev,
				      const struct ib_uverbs_file_ops *ops,
				      void *priv);

/**
 * ib_uverbs_ioctl() - run one command
 * @ufile: the file
 * @cmd: the ioctl number
 * @arg: the caller's pointer to a &struct ib_uverbs_ioctl_hdr, in
 *	current_mm's address space
 *
 * Return: 0 or a negative errno, as listed in rdma_user_ioctl.h.
 */
long ib_uverbs_ioctl(struct ib_uverbs_file *ufile, unsigned int cmd,
		     unsigned long arg);

/**
 * ib_uverbs_release() - close a file
 *
 * Waits for commands in flight, destroys every object of the file
 * children first, then its context, and drops the open reference (the
 * file is freed with its last reference, see ib_uverbs_file_get()).
 * Commands racing the close get EIO.
 */
void ib_uverbs_release(struct ib_uverbs_file *ufile);

void *ib_uverbs_file_priv(struct ib_uverbs_file *ufile);

/**
 * ib_uverbs_reason_read() - why the calling thread's last command failed
 * @ufile: the file the command was sent on
 * @buf: filled with the reason and a newline, not NUL-terminated
 * @len: room in @buf; UVERBS_REASON_MAX always holds the whole line, a
 *	smaller @buf gets its beginning
 *
 * Rule 23, what read() on the device file answers.  The calling thread is
 * compat_current_pid() (a kernel's current->pid).  The reason is the one
 * of this thread's last command on @ufile if that command failed: a
 * successful command clears it, and reading takes it, so that a second
 * read answers 0 until the next failure (as a datagram: what @buf cannot
 * hold is dropped).  A file keeps UVERBS_REASON_SLOTS threads' reasons;
 * past that the least recently failed thread's is forgotten, and that
 * thread reads 0.
 *
 * Return: the bytes written to @buf; 0 when there is no reason to tell.
 */
ssize_t ib_uverbs_reason_read(struct ib_uverbs_file *ufile, char *buf,
			      size_t len);

/**
 * ib_uverbs_reason_peek() - a thread's reason, for a tracer
 * @ufile: the file
 * @pid: the thread (as compat_current_pid() saw it when it failed)
 * @buf: filled with the reason, NUL-terminated (cut to fit)
 * @len: room in @buf
 *
 * What ib_uverbs_reason_read() would answer @pid, without taking it: the
 * thread still reads its reason afterwards.  Return: 0 when @pid has no
 * reason waiting on @ufile, else a positive number that grows with every
 * reason stored on any file, so that the caller can tell which of
 * several files failed last.
 */
long ib_uverbs_reason_peek(struct ib_uverbs_file *ufile, pid_t pid, char *buf,
			   size_t len);

/**
 * ib_uverbs_reason_set() - give the calling thread's reason for a command
 * that a transport refused before it reached the core
 * @ufile: the file
 * @fmt: printf format of the one-line reason
 *
 * Stored as the core stores its own refusals (ib_uverbs_reason_read()).
 */
__printf(2, 3) void ib_uverbs_reason_set(struct ib_uverbs_file *ufile,
					 const char *fmt, ...);

/**
 * ib_uverbs_last_error() - why the last command this thread served failed
 *
 * A user-space shortcut for embedded tests, fuzzers and the daemon's log
 * (the tracer's copy, compat_traced_reason()); clients read their own
 * reason through their file, ib_uverbs_reason_read().
 * Return: the reason, "" if that command succeeded; valid until the
 * thread serves its next command.
 */
const char *ib_uverbs_last_error(void);

/* Keep a file allocated beyond ib_uverbs_release() while using it. */
void ib_uverbs_file_get(struct ib_uverbs_file *ufile);
void ib_uverbs_file_put(struct ib_uverbs_file *ufile);

/**
 * ib_uverbs_ioctl_hdr() - run a command whose header the transport has
 * already copied in (FUSE delivers the 16 bytes with the request)
 * @ufile: the file
 * @cmd: the ioctl number
 * @hdr: the header, in our memory
 * @arg: the caller's pointer to the header (attributes follow it)
 */
long ib_uverbs_ioctl_hdr(struct ib_uverbs_file *ufile, unsigned int cmd,
			 const struct ib_uverbs_ioctl_hdr *hdr,
			 unsigned long arg);

/**
 * ib_uverbs_action_name() - the name of the action a header names
 * @ufile: the file
 * @hdr: the command's header
 *
 * For a transport's log lines: the name in @ufile's device's spec tables
 * ("PD_ALLOC"), the same the core's reasons use.
 * Return: the name, or NULL when @hdr names no action of the device.
 */
const char *ib_uverbs_action_name(struct ib_uverbs_file *ufile,
				  const struct ib_uverbs_ioctl_hdr *hdr);

/**
 * ib_uverbs_cmd_user_memory() - may a command reach beyond its attributes?
 * @ufile: the file
 * @hdr: the command's header
 *
 * For a transport that chooses the thread a command runs on.
 * Return: false if @hdr names an action of @ufile's device that touches
 * no memory of the caller's but its attributes; true if it names one
 * that does (&uverbs_action.user_memory) or names none (the command
 * then fails early, wherever it runs).
 */
bool ib_uverbs_cmd_user_memory(struct ib_uverbs_file *ufile,
			       const struct ib_uverbs_ioctl_hdr *hdr);

/**
 * struct ib_uverbs_file_stats - what a file holds, for control tools
 * @has_context: GET_CONTEXT succeeded and the context is not destroyed
 * @disassociated: its device was removed
 * @num_objects: committed objects still in the file
 * @per_type: @num_objects by type id (ids past the array are not counted)
 * @num_events: async events queued, not yet read
 * @charged: what the file holds charged, by &enum ib_uverbs_resource
 * @cmds: commands the file ran, since it was opened
 * @cmd_errors: those of @cmds that failed
 * @msgs: completions without error of the file's queues, by &enum
 *	ib_uverbs_traffic_op (ib_uverbs_count_traffic())
 * @bytes: the bytes those completions moved
 * @wc_errors: completions with an error status other than flush
 */
struct ib_uverbs_file_stats {
	bool has_context;
	bool disassociated;
	u32 num_objects;
	u32 per_type[32];
	u32 num_events;
	u64 charged[IB_UVERBS_NUM_RES];
	u64 cmds;
	u64 cmd_errors;
	u64 msgs[IB_UVERBS_NUM_TRAFFIC];
	u64 bytes[IB_UVERBS_NUM_TRAFFIC];
	u64 wc_errors;
};

/**
 * ib_uverbs_file_stats() - count what a file holds
 * @ufile: the file (referenced by the caller)
 * @st: filled
 */
void ib_uverbs_file_stats(struct ib_uverbs_file *ufile,
			  struct ib_uverbs_file_stats *st);

/**
 * ib_uverbs_file_context_call() - run @fn on a file's context, for tools
 * @ufile: the file (referenced by the caller)
 * @fn: called with the context, which cannot go meanwhile (the file's
 *	ucontext_lock is held: @fn must not run commands on the file)
 * @arg: passed to @fn
 *
 * For a driver's own view of a context (the soft device's direct path).
 * Return: what @fn returned, or -ENOENT when the file has no context or
 * it was destroyed.
 */
int ib_uverbs_file_context_call(struct ib_uverbs_file *ufile,
				int (*fn)(struct ib_ucontext *uctx, void *arg),
				void *arg);

/**
 * ib_uverbs_file_cmd_counts() - a file's commands and failures by action
 * @ufile: the file (referenced by the caller)
 * @fn: called once per action the file ran at least once, in type and
 *	action order, then once with @type and @action NULL and ids
 *	IB_UVERBS_NO_ACTION for the commands that named no action of the device (a
 *	bad header, an unknown object or action, another ioctl), if any;
 *	@type and @action are the device's spec table entries (their
 *	names, when the driver gave them).  A non-zero return stops.
 * @arg: passed to @fn
 *
 * Counts are read without a lock while commands run: each is exact, two
 * of them may be a command apart.
 * Return: the first non-zero return of @fn, or 0.
 */
#define IB_UVERBS_NO_ACTION 0xffff
int ib_uverbs_file_cmd_counts(struct ib_uverbs_file *ufile,
			      int (*fn)(u16 type_id, u16 action_id,
					const struct uverbs_type *type,
					const struct uverbs_action *action,
					u64 calls, u64 errors, void *arg),
			      void *arg);

/**
 * ib_device_for_each_file() - call @fn for every open file of a device
 * @dev: a registered device
 * @fn: called with the device's file list locked: it must not open,
 *	release or run commands on a file of @dev; a non-zero return stops
 *	the walk
 *
 * Return: the first non-zero return of @fn, or 0; -ENODEV if @dev is
 * not registered.
 */
int ib_device_for_each_file(struct ib_device *dev,
			    int (*fn)(struct ib_uverbs_file *ufile, void *arg),
			    void *arg);

#endif /* _RDMA_IB_VERBS_H */
