/* SPDX-License-Identifier: MIT */
/*
 * The test driver: standard-looking types (a parent and a child object,
 * each with NEW/READ/WRITE/DESTROY actions), a vendor chain on
 * PARENT_CREATE, a vendor-only action, an FD type, and knobs to make
 * handlers fail or sleep and destroys refuse.  Plus the small command
 * builder tests use to write raw ABI buffers.
 */
#ifndef _TESTS_TEST_DRIVER_H
#define _TESTS_TEST_DRIVER_H

#include <rdma/ib_verbs.h>

#define TD_DRIVER_ID 0x7d

enum td_types {
	TD_TYPE_DEVICE,
	TD_TYPE_PARENT,
	TD_TYPE_CHILD,
	TD_TYPE_EMPTY,		/* an empty slot */
	TD_TYPE_VENDOR,		/* actions only, no objects */
	TD_TYPE_CHANNEL,	/* an FD type */
	TD_NUM_TYPES,
};

enum td_device_actions {
	TD_DEVICE_GET_CONTEXT,
	TD_DEVICE_EMPTY,	/* an empty slot */
	TD_DEVICE_NUM_ACTIONS,
};

enum td_get_context_attrs {
	TD_GET_CONTEXT_RESP,	/* PTR_OUT struct td_context_resp, optional */
};

struct td_context_resp {
	__u32 driver_id;
	__u32 num_types;
};

enum td_parent_actions {
	TD_PARENT_CREATE,
	TD_PARENT_READ,
	TD_PARENT_WRITE,
	TD_PARENT_DESTROY,
	TD_PARENT_NUM_ACTIONS,
};

enum td_parent_create_attrs {
	TD_PARENT_CREATE_HANDLE,	/* IDR NEW, mandatory */
	TD_PARENT_CREATE_VALUE,		/* PTR_IN u32, optional */
	TD_PARENT_CREATE_RESP,		/* PTR_OUT u32 value, optional */
	TD_PARENT_CREATE_FLEX,		/* PTR_IN 1..64 bytes, optional */
};

enum td_parent_create_vendor_attrs {
	TD_PARENT_CREATE_VENDOR_TAG = UVERBS_VENDOR_FLAG | 0, /* PTR_IN u64 */
};

enum td_parent_read_attrs {
	TD_PARENT_READ_HANDLE,	/* IDR READ, mandatory */
	TD_PARENT_READ_IN,	/* PTR_IN 16 bytes, mandatory */
	TD_PARENT_READ_OUT,	/* PTR_OUT 16 bytes, mandatory */
};

/* PARENT_READ: out.a = in.a + value, out.b = in.b ^ tag. */
struct td_read_buf {
	__u64 a;
	__u64 b;
};

enum td_parent_write_attrs {
	TD_PARENT_WRITE_HANDLE,	/* IDR WRITE, mandatory */
	TD_PARENT_WRITE_VALUE,	/* PTR_IN u32, mandatory */
};

enum td_parent_destroy_attrs {
	TD_PARENT_DESTROY_HANDLE, /* IDR DESTROY, mandatory */
	TD_PARENT_DESTROY_RESP,	/* PTR_OUT u32: the value, optional */
};

enum td_child_actions {
	TD_CHILD_CREATE,
	TD_CHILD_READ,
	TD_CHILD_WRITE,
	TD_CHILD_DESTROY,
	TD_CHILD_NUM_ACTIONS,
};

enum td_child_create_attrs {
	TD_CHILD_CREATE_HANDLE,		/* IDR NEW, mandatory */
	TD_CHILD_CREATE_PARENT,		/* IDR READ parent, mandatory */
	TD_CHILD_CREATE_PARENT2,	/* IDR READ parent, optional */
	TD_CHILD_CREATE_VALUE,		/* PTR_IN u32, optional */
};

enum td_child_read_attrs {
	TD_CHILD_READ_HANDLE,	/* IDR READ, mandatory */
	TD_CHILD_READ_OUT,	/* PTR_OUT u32: value + parent's value */
};

enum td_child_write_attrs {
	TD_CHILD_WRITE_HANDLE,	/* IDR WRITE, mandatory */
	TD_CHILD_WRITE_PARENT,	/* IDR WRITE (a PARENT), optional */
	TD_CHILD_WRITE_VALUE,	/* PTR_IN u32, mandatory */
};

enum td_child_destroy_attrs {
	TD_CHILD_DESTROY_HANDLE, /* IDR DESTROY, mandatory */
};

enum td_vendor_actions {
	TD_VENDOR_EMPTY,	/* an empty slot */
	TD_VENDOR_ONLY,		/* a vendor chain and an empty common one */
	TD_VENDOR_NUM_ACTIONS,
};

enum td_vendor_only_attrs {
	TD_VENDOR_ONLY_IN = UVERBS_VENDOR_FLAG | 0,	/* PTR_IN u32, mandatory */
	TD_VENDOR_ONLY_OUT = UVERBS_VENDOR_FLAG | 1,	/* PTR_OUT u32: in * 2 */
};

enum td_channel_actions {
	TD_CHANNEL_CREATE,
	TD_CHANNEL_READ,
	TD_CHANNEL_DESTROY,
	TD_CHANNEL_NUM_ACTIONS,
};

enum td_channel_attrs {
	TD_CHANNEL_FD,		/* FD NEW / READ / DESTROY, mandatory */
	TD_CHANNEL_READ_OUT,	/* READ: PTR_OUT u32, the channel's serial */
};

/*
 * Knobs, shared by all threads.  The struct fills a page of its own, so
 * that td_knobs_share() can map a file over td_knobs and share them with
 * a daemon serving the test driver (tests/daemon/td_devices.c).
 */
#define TD_KNOBS_SIZE 4096
struct td_knobs {
	int fail_next;		/* the next handler returns this errno (< 0) */
	int fail_all;		/* every handler returns this errno (< 0) */
	unsigned int sleep_us;	/* every handler sleeps this long */
	int refuse_destroy;	/* this many destroys refuse with EBUSY */
	int handler_calls;	/* handlers run so far */
	int destroy_calls;	/* destroy callbacks run so far */
	int hold_next;		/* 1: the next handler to enter sets it to 2
				 * and waits there until it is 0 again (see
				 * td_hold_wait() / td_hold_release()) */
} __attribute__((aligned(TD_KNOBS_SIZE)));
extern struct td_knobs td_knobs;
void td_knobs_reset(void);

/**
 * td_knobs_share() - make td_knobs the first page of file @fd
 * @fd: a file of at least TD_KNOBS_SIZE bytes (a memfd)
 *
 * Maps @fd MAP_SHARED over td_knobs itself: every process that does so
 * with the same file (a test program and the daemon it started) sees the
 * same knobs and counters, and td_knobs.field works unchanged.
 * Return: 0 or -errno (-EINVAL if pages are not TD_KNOBS_SIZE bytes).
 */
int td_knobs_share(int fd);

/* A device of the test driver, registered; NULL on failure. */
struct ib_device *td_device_create(void);
/* The same, registered as @name (td_device_create() picks td0, td1...). */
struct ib_device *td_device_create_named(const char *name);
/* The same with another types table (one the test frees after removal). */
struct ib_device *td_device_create_types(const char *name,
					 const struct uverbs_types *types);
/* Removes it (if still registered) and frees it. */
void td_device_destroy(struct ib_device *dev);
/* Removal alone (hot unplug); td_device_destroy() frees later. */
void td_device_remove(struct ib_device *dev);

/* The raw command builder. */
#define TD_CMD_MAX_ATTRS 32
/* hdr's flexible attrs[] is followed by its storage: a GNU extension that
 * gcc accepts silently and clang warns about. */
#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wgnu-variable-sized-type-not-at-end"
#endif
struct td_cmd {
	struct ib_uverbs_ioctl_hdr hdr;
	struct ib_uverbs_attr attrs[TD_CMD_MAX_ATTRS];
};
#ifdef __clang__
#pragma clang diagnostic pop
#endif

void td_cmd_init(struct td_cmd *c, u16 type, u16 action);
struct ib_uverbs_attr *td_cmd_ptr(struct td_cmd *c, u16 id, const void *p,
				  u16 len);
struct ib_uverbs_attr *td_cmd_idr(struct td_cmd *c, u16 id, u64 handle);
/* Runs @c on @f with RDMA_VERBS_IOCTL, through td_ioctl: 0 or -errno. */
long td_cmd_exec(struct ib_uverbs_file *f, struct td_cmd *c);
/*
 * The ioctl td_cmd_exec() calls: ib_uverbs_ioctl() unless a test's
 * transport replaced it (tests/transport.c, to run the commands through
 * the daemon).
 */
extern long (*td_ioctl)(struct ib_uverbs_file *f, unsigned int cmd,
			unsigned long arg);
/* The handle the core wrote back into attribute @id. */
u32 td_cmd_handle(const struct td_cmd *c, u16 id);

/* Helpers in threes: _x() returns -errno, x_ok() asserts success and
 * returns the result, x_err() asserts exactly that errno. */
struct ib_uverbs_file *td_open_ok(struct ib_device *dev);
/* Open + GET_CONTEXT. */
struct ib_uverbs_file *td_open_ctx_ok(struct ib_device *dev);
long td_get_context(struct ib_uverbs_file *f);

long td_parent_create(struct ib_uverbs_file *f, u32 value, u32 *handle);
u32 td_parent_create_ok(struct ib_uverbs_file *f, u32 value);
void td_parent_create_err(long err, struct ib_uverbs_file *f);

long td_parent_read(struct ib_uverbs_file *f, u32 handle,
		    struct td_read_buf *out);
void td_parent_read_ok(struct ib_uverbs_file *f, u32 handle,
		       struct td_read_buf *out);
void td_parent_read_err(long err, struct ib_uverbs_file *f, u32 handle);

long td_parent_write(struct ib_uverbs_file *f, u32 handle, u32 value);
void td_parent_write_ok(struct ib_uverbs_file *f, u32 handle, u32 value);
void td_parent_write_err(long err, struct ib_uverbs_file *f, u32 handle);

long td_parent_destroy(struct ib_uverbs_file *f, u32 handle);
void td_parent_destroy_ok(struct ib_uverbs_file *f, u32 handle);
void td_parent_destroy_err(long err, struct ib_uverbs_file *f, u32 handle);

long td_child_create(struct ib_uverbs_file *f, u32 parent, u32 *handle);
u32 td_child_create_ok(struct ib_uverbs_file *f, u32 parent);
void td_child_create_err(long err, struct ib_uverbs_file *f, u32 parent);

long td_child_destroy(struct ib_uverbs_file *f, u32 handle);
void td_child_destroy_ok(struct ib_uverbs_file *f, u32 handle);
void td_child_destroy_err(long err, struct ib_uverbs_file *f, u32 handle);

/*
 * CHANNEL_CREATE.  The NEW FD attribute carries 0, or, if a transport set
 * td_fd_bind, the descriptor td_fd_bind(@f) returns, opened for the
 * channel by the caller (the daemon binds the channel to it: an event
 * file, see tests/transport.h); *@fd is then that descriptor, which the
 * caller closes once the channel is gone.  If the command fails,
 * td_channel_create() closes it.
 */
extern int (*td_fd_bind)(struct ib_uverbs_file *f);
long td_channel_create(struct ib_uverbs_file *f, int *fd);
int td_channel_create_ok(struct ib_uverbs_file *f);


/* Added for the conformance suite (test_rules.c and friends). */

long td_child_read(struct ib_uverbs_file *f, u32 handle, u32 *sum);
u32 td_child_read_ok(struct ib_uverbs_file *f, u32 handle);
void td_child_read_err(long err, struct ib_uverbs_file *f, u32 handle);

long td_child_write(struct ib_uverbs_file *f, u32 handle, u32 value);
void td_child_write_ok(struct ib_uverbs_file *f, u32 handle, u32 value);
void td_child_write_err(long err, struct ib_uverbs_file *f, u32 handle);

void td_channel_create_err(long err, struct ib_uverbs_file *f);

long td_channel_read(struct ib_uverbs_file *f, u64 fd, u32 *serial);
u32 td_channel_read_ok(struct ib_uverbs_file *f, u64 fd);
void td_channel_read_err(long err, struct ib_uverbs_file *f, u64 fd);

/* CHANNEL_DESTROY (td_channel_destroy is the driver's destroy callback). */
long td_channel_close(struct ib_uverbs_file *f, u64 fd);
void td_channel_close_ok(struct ib_uverbs_file *f, u64 fd);
void td_channel_close_err(long err, struct ib_uverbs_file *f, u64 fd);

/* TD_VENDOR_ONLY: *out = in * 2. */
long td_vendor_only(struct ib_uverbs_file *f, u32 in, u32 *out);
u32 td_vendor_only_ok(struct ib_uverbs_file *f, u32 in);
void td_vendor_only_err(long err, struct ib_uverbs_file *f, u32 in);

/* A knob read or written while other threads run handlers. */
#define TD_KNOB_GET(field) __atomic_load_n(&td_knobs.field, __ATOMIC_SEQ_CST)
#define TD_KNOB_SET(field, v) \
	__atomic_store_n(&td_knobs.field, (v), __ATOMIC_SEQ_CST)

/*
 * Waits (up to 5 s, then fails the test) until at least @n handlers have
 * been entered: with td_knobs.sleep_us set, a command on another thread is
 * then inside its handler, its objects locked or reserved.
 */
void td_wait_handler_calls(int n);

/*
 * A command held inside its handler, deterministically: set
 * td_knobs.hold_next = 1, start the command on another thread, then
 * td_hold_wait() returns once its handler has entered and is waiting (its
 * objects locked or reserved); td_hold_release() lets it go on.
 */
void td_hold_wait(void);
void td_hold_release(void);

/*
 * A command run on a thread of its own: fill @cmd (td_cmd_init() etc.),
 * then td_bg_start(); td_bg_join() returns the command's result.
 */
struct td_bg {
	pthread_t thread;
	struct ib_uverbs_file *f;
	long ret;
	struct td_cmd cmd;
};
void td_bg_start(struct td_bg *bg, struct ib_uverbs_file *f);
long td_bg_join(struct td_bg *bg);

#endif /* _TESTS_TEST_DRIVER_H */
