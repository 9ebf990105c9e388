/* SPDX-License-Identifier: MIT */
/*
 * The control file's protocol, shared by ioverbsd, ioverbs-ctl and the
 * benchmarks.
 *
 * <mount>/ctl (mode 0600, root) takes one text command per write() and
 * answers it on the same open file: write "list", "stat", "remove uverbs1" or
 * "add uverbs1" (a trailing newline is fine), then read() the answer until
 * end of file.  A write() of a command that fails returns -1 with its
 * errno (ENOENT: no such device file; ENODEV: already removed; EEXIST:
 * already present; EINVAL: not a command); the answer, readable all the
 * same, then is one line "error: NAME: why".  Reads consume the answer;
 * the next write replaces it, so
 *
 *	exec 3<>ctl; echo list >&3; cat <&3
 *
 * works from a shell.  The answer to "list" is one line per item:
 *
 *	device NAME registered|removed mode 0660 uid 0 gid 0 files N
 *	file NAME pid PID context 0|1 disassociated 0|1 objects N events N \
 *		uid UID queue_mem BYTES pinned BYTES [TYPE N]...
 *	user UID files N queue_mem BYTES pinned BYTES [TYPE N]...
 *	live_objects N
 *
 * where TYPE is a type name of <rdma/ib_user_ioctl_verbs.h> in lower case
 * (pd, mr, cq, qp, ...) and only non-zero counts appear.  A user line
 * sums what the files of that uid hold against its quotas (objects by
 * type, bytes of queues, bytes of registered memory); it goes with the
 * user's last file.
 *
 * The answer to "stat" (read by `ioverbs stat`; fields are only ever
 * added at the end of a line, and a reader skips lines it does not
 * know):
 *
 *	device NAME registered|removed files N
 *	roce NAME port 1 addr ADDR netdev IFACE rx N tx N retransmits N \
 *		timeouts N naks_sent N naks_rcvd N rnr_naks_sent N \
 *		rnr_naks_rcvd N test_lost N test_reordered N drops [REASON N]...
 *	file SERIAL NAME pid PID uid UID context 0|1 disassociated 0|1 \
 *		age_ms MS cmds N errors N objects N [TYPE N]...
 *	traffic SERIAL send N BYTES recv N BYTES rdma_write N BYTES \
 *		rdma_read N BYTES atomic N BYTES wc_errors N
 *	direct SERIAL qps N direct N relay N pending N undecided N \
 *		tx_msgs N tx_bytes N rx_msgs N rx_bytes N
 *	qp SERIAL QPN PATH peer QPN gone 0|1 tx_msgs N tx_bytes N \
 *		rx_msgs N rx_bytes N
 *	cmd SERIAL TYPE_ID ACTION_ID NAME calls N errors N
 *
 * One device line per slot, with a roce line when its port 1 is a RoCEv2
 * port (--roce: packets received and sent, requests sent again, transport
 * timer expiries, NAKs and RNR NAKs each way, what --roce-faults dropped
 * and held back, received packets dropped by
 * reason, SOFT_ROCE_DROP_NAMES, only those not 0), followed by a file line and a traffic line
 * per open file of it (SERIAL: the file's number in the daemon's log)
 * and a cmd line per action that file ran.  A file's counts start at its
 * open, age_ms milliseconds ago.  cmds/errors: commands it sent, those that failed.  traffic: the
 * completions of its QPs without error and the payload bytes they moved,
 * by kind (send, rdma_write, rdma_read, atomic on the requester's side;
 * recv on the receiver's), and wc_errors, completions with an error
 * status other than flush.  NAME is the action's name in the device's
 * spec tables ("PD_ALLOC"), else TYPE:ACTION_ID with the type's name,
 * else TYPE_ID:ACTION_ID; commands that named no action of the device
 * (a bad header, an unknown object or action) are "cmd SERIAL - - ???".
 * A file of a soft device with a context has a direct line: its QPs with
 * shared rings by the path the device gave them (<rdma/soft_direct.h>:
 * direct between two clients, relay through the device's NIC, pending
 * or undecided until both ends connect) and the sums of what the clients
 * say they moved on the direct path (their direct pages' counters,
 * reported by the clients, not checked); then a qp line per such QP
 * (QPN in decimal; PATH undecided, pending, relay or direct; peer: the
 * QP it waits for or is connected to, 0 once gone; gone 1 when its
 * DIRECT peer went).
 *
 * "reason PID TID" answers the reason (Rule 23) that thread TID of process
 * PID would read() for its last failed command, from whichever of the
 * process's device files that was, without taking it (the thread still
 * reads it):
 *
 *	reason NAME SEQ TEXT
 *
 * or fails with ENOENT when no reason waits for that thread.  SEQ grows
 * with every reason the daemon stores: a reason whose SEQ the tracer has
 * shown already is not the one of a command that failed since (a failure
 * of the kernel's own, such as an unreadable header, never reaches the
 * daemon).  It is how a
 * tracer (`ioverbs trace`, root like the ctl file) shows why a traced
 * command failed: a read() of its own would get nothing, since reasons
 * are kept per calling thread, and would take the reason from its owner.
 */
#ifndef _DAEMON_CTL_H
#define _DAEMON_CTL_H

#include <linux/ioctl.h>

/* The longest command a write() may carry. */
#define IVD_CTL_MAX_CMD 256

/*
 * A no-op ioctl on the ctl file, answered at once without the core: 16
 * bytes copied in and none copied back, exactly the FUSE traffic of an
 * RDMA_VERBS_IOCTL header.  For measuring the transport alone.
 */
#define IVD_CTL_IOCTL_NOOP _IOWR('V', 0x01, unsigned char[16])

#endif /* _DAEMON_CTL_H */
