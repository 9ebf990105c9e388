/* SPDX-License-Identifier: MIT */
/*
 * Embedded mode: the core and a driver linked into the calling program,
 * with no daemon and no file system in between.  A command is still a raw
 * RDMA_VERBS_IOCTL buffer in this process's memory; the core reads and
 * writes it with fault-safe copies, exactly as it would a client's.
 *
 *	ioverbs_init();
 *	ib_register_device(dev);		(the driver fills @dev)
 *	f = ib_uverbs_open(dev, NULL, NULL);
 *	ib_uverbs_ioctl(f, RDMA_VERBS_IOCTL, (unsigned long)hdr);
 *	...
 *	ib_uverbs_release(f);			(destroys what is left)
 *	ib_unregister_device(dev);
 *
 * The entry points themselves are declared, with their kernel-doc, in
 * <rdma/ib_verbs.h>; this header only gathers them.
 */
#ifndef _IOVERBS_EMBEDDED_H
#define _IOVERBS_EMBEDDED_H

#include <ioverbs/verbs.h>
#include <rdma/ib_verbs.h>

/**
 * ioverbs_init() - set up the embedded core; call it first
 *
 * Installs the fault handler that lets the core copy from and to bad user
 * pointers without crashing (EFAULT instead), and makes this process the
 * address space commands come from.  Idempotent.
 *
 * Return: 0 or a negative errno.
 */
static inline int ioverbs_init(void)
{
	return compat_init();
}

/**
 * ioverbs_live_objects() - objects the core and drivers still hold
 *
 * Every allocation goes through a counter; after every file is released
 * and every device unregistered (and rcu_barrier() has run the deferred
 * frees), it reads 0.
 */
static inline long ioverbs_live_objects(void)
{
	return compat_live_objects();
}

/**
 * ioverbs_embedded_ioctl() - the embedded core as a transport
 * @ctx: the struct ib_uverbs_file
 * @cmd: the ioctl number
 * @arg: the command
 */
static inline long ioverbs_embedded_ioctl(void *ctx, unsigned int cmd,
					  void *arg)
{
	return ib_uverbs_ioctl(ctx, cmd, (unsigned long)arg);
}

/**
 * ioverbs_embedded_reason() - the embedded core's reader of reasons
 * @ctx: the struct ib_uverbs_file
 * @buf: filled, not NUL-terminated
 * @len: room in @buf
 *
 * ib_uverbs_reason_read() as an &ioverbs_reason_fn (Rule 23).
 */
static inline ssize_t ioverbs_embedded_reason(void *ctx, char *buf,
					      size_t len)
{
	return ib_uverbs_reason_read(ctx, buf, len);
}

/**
 * ioverbs_client_init_embedded() - an ioverbs_client on an embedded file
 * @v: filled
 * @f: a file from ib_uverbs_open()
 *
 * Commands go unchecked; ioverbs_client_spec_set(@v, dev->types, ...)
 * checks them against the device's own tables first.
 */
static inline void ioverbs_client_init_embedded(struct ioverbs_client *v,
						struct ib_uverbs_file *f)
{
	ioverbs_client_init(v, ioverbs_embedded_ioctl, f);
	v->reason = ioverbs_embedded_reason;
}

#endif /* _IOVERBS_EMBEDDED_H */
