/* SPDX-License-Identifier: MIT */
/* The core's private structures and the functions its files share. */
#ifndef _CORE_PRIV_H
#define _CORE_PRIV_H

#include <rdma/ib_verbs.h>

/*
 * The core's side of a device.  It outlives the driver's ib_device: files
 * keep it until they close.
 *
 * Lock order: files_lock is taken alone; removal collects references to
 * the files under it and drops it before touching any file.
 */
struct ib_uverbs_device {
	struct kref ref;		/* one for registration, one per file */
	struct ib_device __rcu *ib_dev;	/* NULL once removed; under srcu */
	struct srcu_struct srcu;	/* a command's read section */
	u16 driver_id;
	/*
	 * The core's own deep copy of the device's types table
	 * (uverbs_types_dup(), core/spec_dup.c): files outlive removal and
	 * still parse DESTROY against it after the driver -- in the kernel
	 * possibly its whole module -- is gone.
	 */
	struct uverbs_types *types;
	void (*dealloc_ucontext)(struct ib_ucontext *ucontext);
	/*
	 * Where each type's actions start in a file's command counts
	 * (ib_uverbs_file.cmd_counts): type t's action a is slot
	 * action_base[t] + a; slot num_action_slots counts the commands
	 * that named no action.  Fixed at registration.
	 */
	u32 *action_base;
	u32 num_action_slots;
	char name[32];
	struct mutex files_lock;
	struct list_head files;		/* ib_uverbs_file.list */
};

/*
 * Rule 23: one calling thread's reason for its last failed command on a
 * file.  @pid 0: a free slot.  @stamp orders slots by when they were
 * written, for eviction; @seq orders every slot of every file, for a
 * tracer that asks which of a thread's files failed last
 * (ib_uverbs_reason_peek()).
 */
struct uverbs_reason_slot {
	pid_t pid;
	u32 stamp;
	long seq;
	char msg[UVERBS_REASON_MAX];
};

/* One action's count in a file; see ib_uverbs_file_cmd_counts(). */
struct uverbs_cmd_count {
	atomic_long_t calls;
	atomic_long_t errors;
};

/*
 * An open file.
 *
 * Lock order: close_sem (write: close and removal; read: every command,
 * trylock only) -> ucontext_lock -> ucontext->uobjects_lock -> a handle
 * table's lock.  events_lock and reason_lock are taken alone.
 */
struct ib_uverbs_file {
	struct ib_uverbs_device *device;
	struct ib_ucontext *ucontext;	/* published once by GET_CONTEXT */
	bool ucontext_pending;		/* a GET_CONTEXT holds one, unpublished */
	struct mutex ucontext_lock;	/* publishing and freeing ucontext */
	struct rw_semaphore close_sem;
	int closing;			/* set before close takes close_sem */
	bool hw_destroyed;		/* driver objects gone (close or removal) */
	bool disassociated;		/* removal took it; under files_lock */
	struct list_head list;		/* in device->files */
	struct kref ref;		/* the open and removal's references */
	const struct ib_uverbs_file_ops *ops;
	void *priv;
	struct mutex events_lock;
	struct list_head events;
	unsigned int num_events;
	atomic_long_t charged[IB_UVERBS_NUM_RES]; /* see ib_uverbs_charge() */
	/*
	 * For tools, written without a lock: commands by action
	 * (device->num_action_slots + 1 entries, see action_base), and
	 * what the file's queues moved (ib_uverbs_count_traffic()).
	 */
	struct uverbs_cmd_count *cmd_counts;
	atomic_long_t traffic_msgs[IB_UVERBS_NUM_TRAFFIC];
	atomic_long_t traffic_bytes[IB_UVERBS_NUM_TRAFFIC];
	atomic_long_t traffic_errors;
	/*
	 * Rule 23 (reason.c): a fixed table, so that a client with any
	 * number of threads holds UVERBS_REASON_SLOTS reasons at most; a new
	 * thread's reason evicts the oldest.  reason_used counts the slots
	 * in use, read without the lock to keep successes lock-free while
	 * no reason waits.
	 */
	spinlock_t reason_lock;
	atomic_t reason_used;
	u32 reason_stamp;
	struct uverbs_reason_slot reasons[UVERBS_REASON_SLOTS];
};

/*
 * A command being served (core/ioctl.c), reached through current_cmd by
 * code deep inside it: its reason buffer (uverbs_set_error()) and the
 * context a GET_CONTEXT reserves.
 */
struct uverbs_cmd {
	struct ib_uverbs_file *ufile;
	struct ib_ucontext *new_ucontext;
	char reason[UVERBS_REASON_MAX];
};

/* Reasons (reason.c). */
void uverbs_reason_init(struct ib_uverbs_file *ufile);
void uverbs_reason_destroy(struct ib_uverbs_file *ufile);
/* Stores @cmd's reason for its caller if @ret failed, or clears it. */
void uverbs_reason_done(struct uverbs_cmd *cmd, long ret);

/* Handle tables (uobject.c). */
struct uverbs_htable *uverbs_htable_alloc(bool external_ids);
void uverbs_htable_free(struct uverbs_htable *t);

/* uobject access for the dispatcher (uobject.c). */
struct ib_uobject *uverbs_uobject_fetch(struct ib_ucontext *uctx, u16 type_id,
					const struct uverbs_type *type,
					u32 id, u8 access, bool removed);
void uverbs_uobject_unlock(struct ib_uobject *uobj, u8 access);
struct ib_uobject *uverbs_uobject_reserve(struct ib_ucontext *uctx,
					  u16 type_id,
					  const struct uverbs_type *type,
					  int fd_hint);
void uverbs_uobject_commit_new(struct ib_uobject *uobj,
			       struct ib_uobject *const *parents,
			       unsigned int num_parents);
void uverbs_uobject_abort_new(struct ib_uobject *uobj);
int uverbs_uobject_destroy_locked(struct ib_uobject *uobj);
void uverbs_uobject_remove_locked(struct ib_uobject *uobj);

/* Context cleanup (uobject.c); called with close_sem held for write. */
void uverbs_cleanup_ucontext(struct ib_ucontext *uctx,
			     enum rdma_remove_reason why);
void uverbs_free_ucontext(struct ib_ucontext *uctx);

/* Files (file.c) and devices (device.c). */
void uverbs_file_disassociate(struct ib_uverbs_file *ufile);
struct ib_uverbs_device *uverbs_device_get(struct ib_device *dev);
void uverbs_device_put(struct ib_uverbs_device *udev);

/* GET_CONTEXT's reserved context: published or freed by the dispatcher. */
void uverbs_ucontext_reserved(struct ib_ucontext *uctx);
void uverbs_ucontext_finalize(struct ib_ucontext *uctx, int ret);


#endif /* _CORE_PRIV_H */
