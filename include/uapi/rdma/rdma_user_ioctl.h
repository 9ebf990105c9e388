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
 * @driver_id: must equal the device's driver id; DEVICE's QUERY_SCHEMA,
 *	which tells it, takes any
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
 * What each errno of a command means.  "(rule N)" names the conformance
 * rule of docs/design.md that sets it; scripts/check_errnos.sh (make
 * check-errnos) checks that this list and the rules give every rule the
 * same errnos.
 *
 * ENOTTY     ioctl number other than RDMA_VERBS_IOCTL / RDMA_DIRECT_IOCTL
 *            (rule 1)
 * ENOSYS     RDMA_DIRECT_IOCTL: no direct commands are defined yet
 *            (rule 1; through FUSE the client sees ENOTTY)
 * EFAULT     header or attribute array unreadable (rule 2); PTR_IN
 *            unreadable, PTR_OUT or the handle of a NEW attribute
 *            unwritable (rule 10); MR_REG of a range not all mapped and
 *            readable in the caller, or not writable while its access
 *            flags let the device write: what pinning the pages would
 *            refuse (rule 21)
 * EINVAL     length > 4096, <= 16 or != 16 + 16 * num_attrs (rule 3);
 *            header reserved != 0 (rule 4); driver_id mismatch, DEVICE's
 *            QUERY_SCHEMA excepted (rule 6);
 *            object_type >= the number of types (rule 7); attribute
 *            reserved != 0, attribute id outside its chain, vendor
 *            attribute without a vendor chain (rule 8); duplicate
 *            attribute, mandatory attribute missing (rule 9); PTR length
 *            outside the spec (rule 10); IDR/FD with len != 0, IDR with
 *            high 32 bits set, IDR/FD before a context exists (rule 11);
 *            handle of an object of another type (rule 12)
 * EOPNOTSUPP flags != 0 (rule 4); empty type slot, action out of range,
 *            empty action slot (rule 7)
 * EIO        the file is closing or its device was removed (rule 5): a
 *            command racing a close (rule 19); after removal, every
 *            command but DESTROY, which still succeeds (rule 20)
 * ENOENT     no object with that handle in this file's context (rule 12)
 * EBUSY      the object is locked by a concurrent command: READ is shared,
 *            WRITE and DESTROY exclusive (rule 12); DESTROY of an object
 *            that still has dependents (rule 18)
 * EBADF      FD attribute naming no fd object of this file, or a value
 *            no descriptor has: above INT32_MAX; -1 in a NEW one is
 *            "none" (rule 13)
 * ENOMEM     out of memory; the device has no room for another object
 *            of that type; or a registration (MR) would take the
 *            caller's registered memory over its RLIMIT_MEMLOCK
 *            (CAP_IPC_LOCK exempts), as the kernel's page pinning does
 * EDQUOT     a quota of the transport: the user (or the file) already
 *            holds its limit of objects of that type, or of queue memory
 *            (ioverbsd --limit-*); the device's own limits are unchanged
 * EPERM      a test hook on a device that has them off; through the
 *            daemon, a command from another address space than the one
 *            that opened the file
 * EAGAIN     through the daemon: the user already has its limit of
 *            commands waiting on worker threads (--limit-inflight)
 * others     returned by the action's handler
 *
 * Rules without an errno of their own: NEW handles are invisible until
 * the command commits, and every object of a failed command is undone
 * (rule 14); a refused DESTROY leaves its object as it was (rule 15); an
 * action has at most one NEW or DESTROY attribute, checked when the
 * driver registers (rule 16); every lock and reference a command takes
 * is released on every path (rule 17).  Whatever the errno, a failed
 * command leaves nothing behind, in any layer: no object made, destroyed
 * or changed; the header is input only: no transport writes it back, so
 * it may sit in read-only memory (rule 22).  Every refusal carries a
 * one-line reason naming the attribute or field and the limit it broke,
 * which the client can read for its own last failed command on the file,
 * per calling thread (rule 23).
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
