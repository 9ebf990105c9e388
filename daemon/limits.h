/* SPDX-License-Identifier: MIT */
/*
 * Quotas: how much of the devices one user, and one open file, may hold.
 *
 * The core charges every user object it reserves, and the bytes of every
 * memory region registered; the soft device charges the queues it
 * allocates (see ib_uverbs_charge()).  ioverbsd implements the charge
 * hooks here: each open file has an account that belongs to its opener's
 * uid and its opener's process, and
 *   - objects, counted per type, are limited per user and per file
 *     (--limit-objects, --limit-file-objects): EDQUOT;
 *   - queue memory, in bytes, likewise (--limit-queue-mem,
 *     --limit-file-queue-mem): EDQUOT;
 *   - registered memory, in bytes of whole pages, is summed per process
 *     and limited by the registering thread's RLIMIT_MEMLOCK, read at
 *     each registration; CAP_IPC_LOCK exempts, as in the kernel: ENOMEM.
 * A refusal names the quota (uverbs_set_error()): "uid 1000 holds 1024
 * MRs, limit 1024 per user (--limit-objects)".  The devices' own limits
 * (QUERY_DEVICE) are not changed.
 *
 * Locking: one mutex, limits_lock (limits.c), protects the user and
 * process tables and every account's usage.  It is a leaf: taken alone,
 * from any FUSE thread (commands, release, ctl) and from whoever cleans
 * a file up, never while calling into the core.  The limits themselves
 * are set from the command line before the devices exist and only read
 * after that.
 */
#ifndef _DAEMON_LIMITS_H
#define _DAEMON_LIMITS_H

#include <sys/types.h>

#include <compat.h>
#include <rdma/ib_verbs.h>

/* Object type ids counted; objects of larger ids are neither. */
#define IVD_LIMIT_TYPES 32
#define IVD_UNLIMITED U64_MAX

/* The defaults: objects of each type per user (SRQs: a quarter of the
 * soft device's 1024), queue memory per user; nothing per file. */
#define IVD_DEFAULT_OBJECTS 1024
#define IVD_DEFAULT_SRQS 256
#define IVD_DEFAULT_QUEUE_MEM (256ull << 20)
/*
 * Per user too: 1024 open device files (each costs the daemon two
 * descriptors) and 64 commands in flight (each holds a worker thread
 * while it waits on its client).
 */
#define IVD_DEFAULT_FILES 1024
#define IVD_DEFAULT_INFLIGHT 64

/**
 * struct ivd_limits - what one user, or one file, may hold
 * @objects: objects of each type id; %IVD_UNLIMITED for no limit
 * @queue_mem: bytes of queues; %IVD_UNLIMITED for no limit
 * @files: a user's open device files (EMFILE past it); 0: no limit
 * @inflight: a user's commands on worker threads at once (EAGAIN past
 *	it); 0: no limit
 */
struct ivd_limits {
	u64 objects[IVD_LIMIT_TYPES];
	u64 queue_mem;
	unsigned int files;
	unsigned int inflight;
};

/**
 * struct ivd_usage - what a user, a process or a file holds
 * @objects: objects by type id
 * @queue_mem: bytes of queues
 * @pinned: bytes of registered memory (whole pages)
 */
struct ivd_usage {
	u64 objects[IVD_LIMIT_TYPES];
	u64 queue_mem;
	u64 pinned;
};

struct ivd_user;
struct ivd_proc;

/**
 * struct ivd_account - one open file's charges
 * @user: its opener's uid's entry (referenced)
 * @proc: its opener's process's entry (referenced), for registered memory
 * @use: what the file holds; also counted in @user and @proc
 */
struct ivd_account {
	struct ivd_user *user;
	struct ivd_proc *proc;
	struct ivd_usage use;
};

/* Per user and per file; ivd_limits_defaults() fills them. */
extern struct ivd_limits ivd_user_limits;
extern struct ivd_limits ivd_file_limits;

void ivd_limits_defaults(void);

/**
 * ivd_limits_parse_objects() - apply an --limit-*objects argument
 * @l: the limits to change
 * @arg: "N" (every type), "TYPE:N" (one type, by its name in ctl list:
 *	pd, mr, cq, qp, srq, ah, comp_channel), N a count or "unlimited"
 * Return: 0 or -EINVAL.
 */
int ivd_limits_parse_objects(struct ivd_limits *l, const char *arg);

/**
 * ivd_limits_parse_bytes() - apply an --limit-*queue-mem argument
 * @l: the limits to change
 * @arg: bytes, with an optional K, M or G (powers of 1024), or
 *	"unlimited"
 * Return: 0 or -EINVAL.
 */
int ivd_limits_parse_bytes(struct ivd_limits *l, const char *arg);

/* Logs the limits in one line (info). */
void ivd_limits_log(void);

/**
 * ivd_account_open() - an account for a new file
 * @a: filled
 * @uid: the opener's uid
 * @tgid: the opener's process
 * Return: 0 or -ENOMEM.
 */
int ivd_account_open(struct ivd_account *a, uid_t uid, pid_t tgid);

/**
 * ivd_account_close() - forget a file's account
 * @a: from ivd_account_open(); its file is released, so it holds nothing
 *	(a leftover is a WARN, and is taken off its user and process)
 */
void ivd_account_close(struct ivd_account *a);

/**
 * ivd_account_cmd_begin() - the file's user starts a command on a worker
 * @a: the file's account (open, so its user entry lives)
 * Return: 0, or -EAGAIN if the user has its limit of commands in flight.
 */
int ivd_account_cmd_begin(struct ivd_account *a);

/** ivd_account_cmd_end() - the command of ivd_account_cmd_begin() is answered */
void ivd_account_cmd_end(struct ivd_account *a);

/**
 * ivd_account_charge() - the file's charge hook
 * @a: its account
 * @res: what
 * @type_id: the object type
 * @amount: objects or bytes
 * @caller: the thread whose command it is (its RLIMIT_MEMLOCK and
 *	capabilities count for registered memory); 0: the opener
 * Return: 0; -EDQUOT for a quota; -ENOMEM for registered memory over
 * RLIMIT_MEMLOCK.  A refusal sets the command's reason.
 */
int ivd_account_charge(struct ivd_account *a, enum ib_uverbs_resource res,
		       u16 type_id, u64 amount, pid_t caller);

/* The file's uncharge hook: gives back what ivd_account_charge() granted. */
void ivd_account_uncharge(struct ivd_account *a, enum ib_uverbs_resource res,
			  u16 type_id, u64 amount);

/* A snapshot of what the file holds. */
void ivd_account_usage(const struct ivd_account *a, struct ivd_usage *use);

/**
 * ivd_limits_for_each_user() - visit every user with an open file
 * @fn: called with limits_lock held (it must not charge or open), by uid
 *	order of first open; a non-zero return stops the walk
 * @arg: passed to @fn
 * Return: the first non-zero return of @fn, or 0.
 */
int ivd_limits_for_each_user(int (*fn)(uid_t uid, unsigned int files,
				       const struct ivd_usage *use, void *arg),
			     void *arg);

/* At exit, every file released: WARNs if any user or process is left. */
void ivd_limits_exit(void);

#endif /* _DAEMON_LIMITS_H */
