/* SPDX-License-Identifier: MIT */
/*
 * Decoding a verbs command from the ABI alone, in strace's spirit: the
 * header, its driver_id and the attribute array name everything a reader
 * needs, given the spec tables of the driver that driver_id names.
 *
 *	struct ioverbs_decode d;
 *	char line[8192];
 *
 *	ioverbs_decode_init(&d, read_tracee, &pid, lookup_types, NULL);
 *	ioverbs_decode_enter(&d, fd, RDMA_VERBS_IOCTL, arg);	(syscall entry)
 *	n = ioverbs_decode_call(&d, line, sizeof(line));
 *	...							(syscall exit)
 *	n += ioverbs_decode_result(&d, ret, reason, line + n, sizeof(line) - n);
 *
 * gives, for a PD_ALLOC through the soft device:
 *
 *	ioctl(3, RDMA_VERBS_IOCTL, {soft PD_ALLOC, [PD_HANDLE=NEW]} =>
 *	      {[PD_HANDLE=1]}) = 0
 *
 * on one line, as strace prints an ioctl whose argument is read and
 * written (" => " and what it holds after the call).
 *
 * Names come only from the tables' .name and .layout fields (the tables
 * the core validates with); where one is NULL the id is printed as a
 * number, and an id no table has is printed as a number followed by
 * "???".  Nothing the command holds can make the decoder fail: a bad
 * length, an inconsistent num_attrs, a pointer into unmapped memory are
 * shown for what they are.  The decoder keeps no global state; one
 * struct ioverbs_decode per thread.
 */
#ifndef _IOVERBS_DECODE_H
#define _IOVERBS_DECODE_H

#include <stddef.h>
#include <sys/types.h>

#include <rdma/uverbs_ioctl.h>

/**
 * typedef ioverbs_decode_read_fn - read the traced program's memory
 * @ctx: the decoder's @read_ctx
 * @addr: address in the traced program
 * @buf: where the bytes go
 * @len: how many
 *
 * Return: @len when every byte was read, a negative errno otherwise (a
 * short read is a failure: the decoder shows the buffer as unreadable).
 */
typedef ssize_t (*ioverbs_decode_read_fn)(void *ctx, __u64 addr, void *buf,
					  size_t len);

/**
 * typedef ioverbs_decode_types_fn - the spec tables of a driver
 * @ctx: the decoder's @types_ctx
 * @driver_id: the command's driver_id
 *
 * Return: the driver's types table, or NULL for a driver the caller does
 * not know.
 */
typedef const struct uverbs_types *(*ioverbs_decode_types_fn)(void *ctx,
							       __u16 driver_id);

/* The most attributes a command can hold (4096-byte limit, rule 3). */
#define IOVERBS_DECODE_MAX_ATTRS                                          \
	((IB_UVERBS_MAX_CMD_SZ - sizeof(struct ib_uverbs_ioctl_hdr)) /    \
	 sizeof(struct ib_uverbs_attr))

/* @hdr's flexible attrs[] is followed by fields: see <ioverbs/cmd.h>. */
#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wgnu-variable-sized-type-not-at-end"
#endif
/**
 * struct ioverbs_decode - one command being decoded
 * @read: reads the traced program's memory
 * @read_ctx: passed to @read
 * @types: finds a driver's tables
 * @types_ctx: passed to @types
 * @fallback: tables used when @types knows no driver for the driver_id
 *	(the standard types: their objects still decode), or NULL
 * @max_bytes: bytes of a raw buffer shown before "..." (default 16)
 * @max_elems: elements of an array shown before "..." (default 4)
 * @fd: the descriptor the command was sent on (internal from here on)
 * @req: the ioctl request of the command
 * @arg: its argument
 * @hdr_ok: the header was read
 * @hdr: the header as read at entry
 * @num_read: attributes read at entry
 * @attrs_err: the attribute array was not readable (negative errno)
 * @tbl: the driver's tables, or NULL
 * @tbl_known: @tbl came from @types, not from @fallback
 * @action: the action the header names, or NULL
 * @attrs: the attribute array as read at entry
 */
struct ioverbs_decode {
	ioverbs_decode_read_fn read;
	void *read_ctx;
	ioverbs_decode_types_fn types;
	void *types_ctx;
	const struct uverbs_types *fallback;
	unsigned int max_bytes;
	unsigned int max_elems;

	int fd;
	unsigned int req;
	__u64 arg;
	bool hdr_ok;
	struct ib_uverbs_ioctl_hdr hdr;
	unsigned int num_read;
	int attrs_err;
	const struct uverbs_types *tbl;
	bool tbl_known;
	const struct uverbs_action *action;
	struct ib_uverbs_attr attrs[IOVERBS_DECODE_MAX_ATTRS];
};
#ifdef __clang__
#pragma clang diagnostic pop
#endif

/**
 * ioverbs_decode_init() - set a decoder up
 * @d: the decoder
 * @read: reads the traced program's memory (must not be NULL)
 * @read_ctx: passed to @read
 * @types: finds a driver's tables; NULL: no driver is known
 * @types_ctx: passed to @types
 *
 * Sets @d->max_bytes and @d->max_elems to their defaults; the caller may
 * change them and @d->fallback afterwards.
 */
void ioverbs_decode_init(struct ioverbs_decode *d, ioverbs_decode_read_fn read,
			 void *read_ctx, ioverbs_decode_types_fn types,
			 void *types_ctx);

/**
 * ioverbs_decode_is_cmd() - is @req an ioctl of this ABI?
 * @req: an ioctl request number
 *
 * Return: true for %RDMA_VERBS_IOCTL and %RDMA_DIRECT_IOCTL.
 */
bool ioverbs_decode_is_cmd(unsigned long req);

/**
 * ioverbs_decode_req_name() - the name of an ioctl request of this ABI
 * @req: an ioctl request number
 *
 * Return: "RDMA_VERBS_IOCTL", "RDMA_DIRECT_IOCTL", or NULL.
 */
const char *ioverbs_decode_req_name(unsigned long req);

/**
 * ioverbs_decode_enter() - read a command at its start (syscall entry)
 * @d: the decoder
 * @fd: the descriptor it was sent on, only printed (the decoding never
 *	depends on which file it is)
 * @req: the ioctl request
 * @arg: the ioctl argument, an address in the traced program
 *
 * Reads the header and the attribute array as the command is sent (the
 * core writes NEW handles back into the array, so the entry copy is the
 * command's input).  Never fails: what could not be read is shown as such
 * by ioverbs_decode_call().
 */
void ioverbs_decode_enter(struct ioverbs_decode *d, int fd, unsigned int req,
			  __u64 arg);

/**
 * ioverbs_decode_call() - format the command as sent
 * @d: the decoder, after ioverbs_decode_enter()
 * @buf: the text, NUL-terminated (cut with "..." if @size is too small)
 * @size: room in @buf
 *
 * "ioctl(FD, RDMA_VERBS_IOCTL, {DRIVER OBJECT_ACTION, [ATTR=VALUE, ...]}":
 * the driver by name, the action by name, then every attribute by name
 * with its input value; an output buffer shows its length only
 * ("RESP=out[24]").  A request of another ABI prints as numbers.
 *
 * Return: the length of the text in @buf.
 */
size_t ioverbs_decode_call(struct ioverbs_decode *d, char *buf, size_t size);

/**
 * ioverbs_decode_result() - format the outcome (syscall exit)
 * @d: the decoder, after ioverbs_decode_call()
 * @ret: the ioctl's result: 0, or a negative errno
 * @reason: why the command failed (Rule 23), or NULL if unknown
 * @buf: the text, NUL-terminated
 * @size: room in @buf
 *
 * " => {[ATTR=VALUE, ...]}) = 0": the outputs (NEW handles, PTR_OUT
 * buffers) read again from the traced program, when the command
 * succeeded (or for PTR_OUT buffers the spec copies on error too); then
 * ") = 0", or ") = -1 EINVAL (reason)".
 *
 * Return: the length of the text in @buf.
 */
size_t ioverbs_decode_result(struct ioverbs_decode *d, long ret,
			     const char *reason, char *buf, size_t size);

/**
 * ioverbs_decode_names() - the command's object and action
 * @d: the decoder, after ioverbs_decode_enter()
 * @object: filled with the object's name, or its number
 * @osize: room in @object
 * @action: filled with the action's name, or its number
 * @asize: room in @action
 *
 * For summaries and filters: the names of ioverbs_decode_call(), or the
 * numbers ("7", with "???" when no table has them).
 */
void ioverbs_decode_names(const struct ioverbs_decode *d, char *object,
			  size_t osize, char *action, size_t asize);

/**
 * ioverbs_decode_errno_name() - "EINVAL" for -EINVAL or EINVAL
 * @err: an errno, either sign
 *
 * Return: the errno's name, or "E???" when it has none.
 */
const char *ioverbs_decode_errno_name(long err);

#endif /* _IOVERBS_DECODE_H */
