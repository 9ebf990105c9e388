/* SPDX-License-Identifier: MIT */
/*
 * The verbs ioctl ABI: one ioctl number whose argument is a self-describing
 * header followed by an array of typed attributes.  This file is the single
 * source of truth for the layout; everything else includes it.
 */
#ifndef _UAPI_RDMA_USER_IOCTL_H
#define _UAPI_RDMA_USER_IOCTL_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define RDMA_IOCTL_MAGIC 0x1b

/**
 * struct ib_uverbs_attr - one attribute of a command
 * @attr_id: id in the action's attribute namespace; bit 15
 *	(%UVERBS_VENDOR_FLAG) selects the driver (vendor) namespace
 * @len: length of the buffer at @ptr_idr for PTR_IN / PTR_OUT; must be
 *	0 for IDR and FD attributes
 * @reserved: must be zero
 * @ptr_idr: user pointer (PTR_IN / PTR_OUT), object handle in the low 32
 *	bits (IDR), or file descriptor (FD).  For a NEW attribute the core
 *	writes the new handle here before the handler runs.  For a NEW FD
 *	attribute through a transport that cannot create descriptors in
 *	the caller (the daemon), the caller puts here a descriptor it
 *	opened for the object (an event file on the mount), which is bound
 *	and handed back; elsewhere any descriptor number, or -1 (all bits
 *	set: none), and the transport makes one.  An FD attribute is a
 *	descriptor number (0..INT32_MAX) or, NEW only, -1.
 */
struct ib_uverbs_attr {
	__u16 attr_id;
	__u16 len;
	__u32 reserved;
	__aligned_u64 ptr_idr;
};

/**
 * struct ib_uverbs_ioctl_hdr - the argument of %RDMA_VERBS_IOCTL
 * @length: total length, header and attributes: 16 + 16 * @num_attrs
 * @flags: must be zero (no flags are defined)
 * @object_type: index in the device's types table
 * @driver_id: must equal the device's driver id
 * @action: index in the type's actions table
 * @num_attrs: number of entries in @attrs
 * @reserved: must be zero (the seed's implicit padding, made explicit)
 * @attrs: the attributes
 */
struct ib_uverbs_ioctl_hdr {
	__u16 length;
	__u16 flags;
	__u16 object_type;
	__u16 driver_id;
	__u16 action;
	__u16 num_attrs;
	__u32 reserved;
	struct ib_uverbs_attr attrs[];
};

#define RDMA_VERBS_IOCTL _IOWR(RDMA_IOCTL_MAGIC, 1, struct ib_uverbs_ioctl_hdr)
#define RDMA_DIRECT_IOCTL _IOWR(RDMA_IOCTL_MAGIC, 2, struct ib_uverbs_ioctl_hdr)

/* Attribute ids with this bit belong to the driver (vendor) namespace. */
#define UVERBS_VENDOR_FLAG 0x8000

/* The largest command: header plus 255 attributes. */
#define IB_UVERBS_MAX_CMD_SZ 4096

/**
 * DOC: errno contract of RDMA_VERBS_IOCTL
 *
 * ENOTTY     ioctl number other than RDMA_VERBS_IOCTL / RDMA_DIRECT_IOCTL
 * ENOSYS     RDMA_DIRECT_IOCTL (no direct commands are defined yet)
 * EFAULT     header, attribute array or PTR_IN unreadable; PTR_OUT or the
 *            handle of a NEW attribute unwritable; MR_REG of a range not
 *            all mapped and readable in the caller, or not writable while
 *            its access flags let the device write (what pinning the
 *            pages would refuse)
 * EINVAL     length > 4096, <= 16 or != 16 + 16 * num_attrs; header or
 *            attribute reserved != 0; driver_id mismatch; object_type out
 *            of range; attribute id outside its chain; vendor attribute
 *            without a vendor chain; duplicate attribute; mandatory
 *            attribute missing; PTR length outside the spec; IDR/FD with
 *            len != 0; IDR with high 32 bits set; IDR before a context
 *            exists; handle of another type
 * EOPNOTSUPP flags != 0; empty type slot; action out of range or empty
 * EIO        the file is closing or its device was removed (DESTROY of an
 *            object of a removed device still succeeds)
 * ENOENT     no object with that handle in this file's context
 * EBUSY      the object is locked by a concurrent command (READ is shared,
 *            WRITE and DESTROY exclusive), or it still has dependents
 * EBADF      FD attribute naming no fd object of this file, or a value
 *            no descriptor has (above INT32_MAX; -1 in a NEW one is none)
 * ENOMEM     out of memory; the device has no room for another object
 *            of that type; or a registration (MR) would take the
 *            caller's registered memory over its RLIMIT_MEMLOCK
 *            (CAP_IPC_LOCK exempts), as the kernel's page pinning does
 * EDQUOT     a quota of the transport: the user (or the file) already
 *            holds its limit of objects of that type, or of queue memory
 *            (ioverbsd --limit-*); the device's own limits are unchanged
 * others     returned by the action's handler
 *
 * Whatever the errno, a failed command leaves nothing behind, in any
 * layer: no object made, destroyed or changed.  The header is input only:
 * no transport writes it back, so it may sit in read-only memory.
 */

#ifndef __cplusplus
_Static_assert(sizeof(struct ib_uverbs_attr) == 16, "attr is 16 bytes");
_Static_assert(__builtin_offsetof(struct ib_uverbs_attr, ptr_idr) == 8,
	       "ptr_idr at 8");
_Static_assert(sizeof(struct ib_uverbs_ioctl_hdr) == 16, "hdr is 16 bytes");
_Static_assert(__builtin_offsetof(struct ib_uverbs_ioctl_hdr, num_attrs) == 10,
	       "num_attrs at 10");
_Static_assert(__builtin_offsetof(struct ib_uverbs_ioctl_hdr, reserved) == 12,
	       "reserved at 12");
_Static_assert(__builtin_offsetof(struct ib_uverbs_ioctl_hdr, attrs) == 16,
	       "attrs at 16");
_Static_assert(RDMA_VERBS_IOCTL == 0xc0101b01, "seed ioctl number");
_Static_assert(RDMA_DIRECT_IOCTL == 0xc0101b02, "seed direct ioctl number");
#endif

#endif /* _UAPI_RDMA_USER_IOCTL_H */
