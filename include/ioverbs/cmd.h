/* SPDX-License-Identifier: MIT */
/*
 * Building and sending verbs commands.
 *
 *	struct ioverbs_cmd c;
 *	u32 pd;
 *
 *	ioverbs_cmd_init(&c, types, driver_id, UVERBS_TYPE_PD,
 *			 UVERBS_ACTION_PD_ALLOC);
 *	ioverbs_cmd_new(&c, UVERBS_PD_ALLOC_HANDLE, &pd);
 *	ret = ioverbs_cmd_exec(&c, fd_ioctl, &fd);
 *
 * Every ioverbs_cmd_*() that adds an attribute checks it against the
 * action's spec when one is given (the same tables the core validates
 * with): a wrong type, a length outside the spec, an unknown or duplicate
 * id.  The first mistake is kept (a sticky error) and returned by
 * ioverbs_cmd_exec() without sending anything; ioverbs_cmd_error() says
 * what it was.  Handles of NEW attributes are stored where the caller
 * asked once the command succeeds.
 */
#ifndef _IOVERBS_CMD_H
#define _IOVERBS_CMD_H

#include <rdma/uverbs_ioctl.h>

/* The ABI allows 255 attributes; commands use a handful. */
#define IOVERBS_CMD_MAX_ATTRS 32

/*
 * hdr's flexible attrs[] is followed by its storage: a GNU extension that
 * gcc accepts silently and clang warns about.
 */
#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wgnu-variable-sized-type-not-at-end"
#endif
/**
 * struct ioverbs_cmd - a command being built
 * @hdr: the ABI header, followed in memory by @attrs
 * @attrs: the ABI attributes
 * @action: the action's spec, or NULL for unchecked building
 * @outs: for each attribute, where a NEW handle or fd goes after success
 * @error: the sticky error: 0 or a negative errno
 * @msg: what @error is about
 */
struct ioverbs_cmd {
	struct ib_uverbs_ioctl_hdr hdr;
	struct ib_uverbs_attr attrs[IOVERBS_CMD_MAX_ATTRS];
	const struct uverbs_action *action;
	void *outs[IOVERBS_CMD_MAX_ATTRS];
	int error;
	char msg[128];
};
#ifdef __clang__
#pragma clang diagnostic pop
#endif

/* The transport: runs ioctl(@cmd, @arg) and returns 0 or -errno. */
typedef long (*ioverbs_ioctl_fn)(void *ctx, unsigned int cmd, void *arg);

/**
 * ioverbs_cmd_init() - start a command
 * @c: the command
 * @types: the device's types table for checks, or NULL
 * @driver_id: the device's driver id
 * @object: the object type id
 * @action: the action id
 *
 * With @types, an object or action the table does not have is a sticky
 * -EOPNOTSUPP.
 */
void ioverbs_cmd_init(struct ioverbs_cmd *c, const struct uverbs_types *types,
		      u16 driver_id, u16 object, u16 action);

/*
 * The attribute builders, ioverbs_cmd_<kind>(): each adds one attribute
 * of that kind.  The memory they name is read or written when the command
 * runs, not now: it must stay valid until then.
 */

/**
 * ioverbs_cmd_in() - add a PTR_IN attribute
 * @c: the command
 * @id: the attribute id
 * @p: @len bytes the core reads
 * @len: their length
 */
void ioverbs_cmd_in(struct ioverbs_cmd *c, u16 id, const void *p, size_t len);

/**
 * ioverbs_cmd_out() - add a PTR_OUT attribute
 * @c: the command
 * @id: the attribute id
 * @p: where up to @len bytes are written on success
 * @len: the room
 */
void ioverbs_cmd_out(struct ioverbs_cmd *c, u16 id, void *p, size_t len);

/**
 * ioverbs_cmd_idr() - add an IDR attribute naming an existing object
 * @c: the command
 * @id: the attribute id
 * @handle: the object's handle
 */
void ioverbs_cmd_idr(struct ioverbs_cmd *c, u16 id, u32 handle);

/**
 * ioverbs_cmd_new() - add an IDR NEW attribute
 * @c: the command
 * @id: the attribute id
 * @handle: set to the new object's handle when the command succeeds
 */
void ioverbs_cmd_new(struct ioverbs_cmd *c, u16 id, u32 *handle);

/**
 * ioverbs_cmd_fd() - add an FD attribute naming an existing fd object
 * @c: the command
 * @id: the attribute id
 * @fd: the object's descriptor
 */
void ioverbs_cmd_fd(struct ioverbs_cmd *c, u16 id, int fd);

/**
 * ioverbs_cmd_new_fd() - add an FD NEW attribute
 * @c: the command
 * @id: the attribute id
 * @fd: set to the new object's descriptor when the command succeeds
 */
void ioverbs_cmd_new_fd(struct ioverbs_cmd *c, u16 id, int *fd);

/**
 * ioverbs_cmd_bind_fd() - add an FD NEW attribute bound to a descriptor
 * @c: the command
 * @id: the attribute id
 * @bind: a descriptor the caller opened for the object, for a transport
 *	that cannot create one in the caller (the daemon: an event file,
 *	MOUNT/events/NAME)
 * @fd: set to @bind when the command succeeds
 */
void ioverbs_cmd_bind_fd(struct ioverbs_cmd *c, u16 id, int bind, int *fd);

/**
 * ioverbs_cmd_exec() - send the command
 * @c: the command
 * @fn: the transport
 * @ctx: passed to @fn
 *
 * Return: the sticky error if there is one (nothing is sent), else what
 * the core returned: 0 or a negative errno.  A missing mandatory
 * attribute is caught here when the spec is known.
 */
long ioverbs_cmd_exec(struct ioverbs_cmd *c, ioverbs_ioctl_fn fn, void *ctx);

/**
 * ioverbs_cmd_window_alloc() - shared memory to build commands in
 * @len: its length
 *
 * A sealed memfd named "ioverbs-cmd", mapped shared.  Through the daemon,
 * a command whose header, attributes and buffers all lie in a window
 * costs no process_vm call: the daemon maps the window too.
 *
 * Return: the mapping, or NULL with errno set.
 */
void *ioverbs_cmd_window_alloc(size_t len);

/**
 * ioverbs_cmd_window_free() - zero and unmap a command window
 * @p: from ioverbs_cmd_window_alloc()
 * @len: its length
 *
 * Zeroed first, so that the daemon, which keeps the window mapped, never
 * takes a later command at the same address for one of its own.
 */
void ioverbs_cmd_window_free(void *p, size_t len);

/**
 * ioverbs_fd_ioctl() - a transport over a real file descriptor
 * @ctx: points to the int descriptor
 * @cmd: the ioctl number
 * @arg: the command
 *
 * Return: 0 or -errno.
 */
long ioverbs_fd_ioctl(void *ctx, unsigned int cmd, void *arg);

/**
 * ioverbs_cmd_error() - what the sticky error is about
 * @c: the command
 *
 * Return: the message, or "" when there is none.
 */
const char *ioverbs_cmd_error(const struct ioverbs_cmd *c);

#endif /* _IOVERBS_CMD_H */
