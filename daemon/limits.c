// SPDX-License-Identifier: MIT
/*
 * Quotas per user and per file, and registered memory against the
 * registering process's RLIMIT_MEMLOCK (see limits.h for what and why).
 *
 * A user's entry lives while a file of that uid is open, a process's
 * while a file it opened is; both are found once, at open, and the
 * file's account points at them.  Every charge checks the file's limit,
 * then the user's, under limits_lock, and counts in all three places at
 * once, so the sums always agree.
 */
#include <ctype.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon.h"
#include "limits.h"

/**
 * struct ivd_user - what one uid holds
 * @node: in the users list
 * @uid: the user
 * @files: open files of the user (references)
 * @inflight: its commands running on worker threads
 * @use: the sum of their accounts
 */
struct ivd_user {
	struct list_head node;
	uid_t uid;
	unsigned int files;
	unsigned int inflight;
	struct ivd_usage use;
};

/**
 * struct ivd_proc - what one process registered
 * @node: in the processes list
 * @tgid: the process that opened the files
 * @files: its open files (references)
 * @pinned: bytes registered through them, against its RLIMIT_MEMLOCK
 *	(the kernel counts an mm's pinned pages likewise)
 */
struct ivd_proc {
	struct list_head node;
	pid_t tgid;
	unsigned int files;
	u64 pinned;
};

struct ivd_limits ivd_user_limits;
struct ivd_limits ivd_file_limits;

/* Protects users, procs and every account's use; a leaf. */
static pthread_mutex_t limits_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(users);
static LIST_HEAD(procs);

#define CAP_IPC_LOCK_BIT 14

void ivd_limits_defaults(void)
{
	unsigned int t;

	for (t = 0; t < IVD_LIMIT_TYPES; t++) {
		ivd_user_limits.objects[t] = IVD_DEFAULT_OBJECTS;
		ivd_file_limits.objects[t] = IVD_UNLIMITED;
	}
	ivd_user_limits.objects[UVERBS_TYPE_SRQ] = IVD_DEFAULT_SRQS;
	ivd_user_limits.queue_mem = IVD_DEFAULT_QUEUE_MEM;
	ivd_file_limits.queue_mem = IVD_UNLIMITED;
	ivd_user_limits.files = IVD_DEFAULT_FILES;
	ivd_user_limits.inflight = IVD_DEFAULT_INFLIGHT;
}

/* "unlimited", or a decimal number with an optional binary suffix. */
static int parse_amount(const char *s, bool suffix, u64 *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!strcmp(s, "unlimited")) {
		*out = IVD_UNLIMITED;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (suffix && *end) {
		switch (*end++) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		default: return -EINVAL;
		}
	}
	if (*end || v > (U64_MAX >> shift) >> 1)
		return -EINVAL;
	*out = (u64)v << shift;
	return 0;
}

int ivd_limits_parse_objects(struct ivd_limits *l, const char *arg)
{
	const char *colon = strchr(arg, ':');
	unsigned int t;
	u64 n;

	if (!colon) {
		if (parse_amount(arg, false, &n))
			return -EINVAL;
		for (t = 0; t < IVD_LIMIT_TYPES; t++)
			l->objects[t] = n;
		return 0;
	}
	if (parse_amount(colon + 1, false, &n))
		return -EINVAL;
	for (t = 0; t < IVD_LIMIT_TYPES; t++) {
		const char *name = ivd_type_name(t);

		if (name && strlen(name) == (size_t)(colon - arg) &&
		    !strncmp(name, arg, (size_t)(colon - arg))) {
			l->objects[t] = n;
			return 0;
		}
	}
	return -EINVAL;
}

int ivd_limits_parse_bytes(struct ivd_limits *l, const char *arg)
{
	return parse_amount(arg, true, &l->queue_mem);
}

/* "1024", or "unlimited". */
static const char *amount_str(char *buf, size_t size, u64 v)
{
	if (v == IVD_UNLIMITED)
		return "unlimited";
	snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

/* "1024 objects of each type (srq 256), 268435456 bytes of queues" */
static size_t describe_one(char *buf, size_t size, const struct ivd_limits *l)
{
	/* "N" sets every type, "TYPE:N" one: type 0 (DEVICE, which has no
	 * objects) keeps the common value. */
	u64 common = l->objects[UVERBS_TYPE_DEVICE];
	unsigned int t;
	size_t n = 0;
	char a[24];

	n += (size_t)snprintf(buf + n, size - n, "%s objects of each type",
			      amount_str(a, sizeof(a), common));
	for (t = 1; t < IVD_LIMIT_TYPES && n < size; t++)
		if (l->objects[t] != common && ivd_type_name(t))
			n += (size_t)snprintf(buf + n, size - n, " (%s %s)",
					      ivd_type_name(t),
					      amount_str(a, sizeof(a),
							 l->objects[t]));
	if (n < size)
		n += (size_t)snprintf(buf + n, size - n, ", %s bytes of queues",
				      amount_str(a, sizeof(a), l->queue_mem));
	return n < size ? n : size - 1;
}

void ivd_limits_log(void)
{
	char user[256], file[256];

	describe_one(user, sizeof(user), &ivd_user_limits);
	describe_one(file, sizeof(file), &ivd_file_limits);
	log_info("limits per user: %s; per file: %s; registered memory: "
		 "RLIMIT_MEMLOCK of each process", user, file);
}

/* --- accounts ---------------------------------------------------------- */

int ivd_account_open(struct ivd_account *a, uid_t uid, pid_t tgid)
{
	struct ivd_user *u, *new_u;
	struct ivd_proc *p, *new_p;

	memset(a, 0, sizeof(*a));
	/* Allocated outside the lock; freed unused if an entry exists. */
	new_u = calloc(1, sizeof(*new_u));
	new_p = calloc(1, sizeof(*new_p));
	if (!new_u || !new_p) {
		free(new_u);
		free(new_p);
		return -ENOMEM;
	}
	pthread_mutex_lock(&limits_lock);
	list_for_each_entry(u, &users, node)
		if (u->uid == uid)
			goto found_user;
	u = new_u;
	new_u = NULL;
	u->uid = uid;
	list_add_tail(&u->node, &users);
found_user:
	/* No more descriptors for one user than its share. */
	if (ivd_user_limits.files && u->files >= ivd_user_limits.files) {
		pthread_mutex_unlock(&limits_lock);
		free(new_u);
		free(new_p);
		return -EMFILE;
	}
	u->files++;
	list_for_each_entry(p, &procs, node)
		if (p->tgid == tgid)
			goto found_proc;
	p = new_p;
	new_p = NULL;
	p->tgid = tgid;
	list_add_tail(&p->node, &procs);
found_proc:
	p->files++;
	a->user = u;
	a->proc = p;
	pthread_mutex_unlock(&limits_lock);
	free(new_u);
	free(new_p);
	return 0;
}

/* Adds (@sign 1) or takes off (-1) @amount everywhere; limits_lock held. */
static void account_add(struct ivd_account *a, enum ib_uverbs_resource res,
			u16 type_id, u64 amount, int sign)
{
	u64 *counts[3];
	unsigned int i, n = 2;

	switch (res) {
	case IB_UVERBS_RES_OBJECT:
		counts[0] = &a->use.objects[type_id];
		counts[1] = &a->user->use.objects[type_id];
		break;
	case IB_UVERBS_RES_QUEUE_MEM:
		counts[0] = &a->use.queue_mem;
		counts[1] = &a->user->use.queue_mem;
		break;
	case IB_UVERBS_RES_PINNED:
		counts[0] = &a->use.pinned;
		counts[1] = &a->user->use.pinned;
		counts[2] = &a->proc->pinned;
		n = 3;
		break;
	default:
		return;
	}
	for (i = 0; i < n; i++) {
		if (sign > 0) {
			*counts[i] += amount;
		} else {
			/* More given back than was taken: a broken path. */
			WARN_ON(*counts[i] < amount);
			*counts[i] -= min_t(u64, *counts[i], amount);
		}
	}
}

static void account_drop(struct ivd_account *a)
{
	unsigned int t;

	for (t = 0; t < IVD_LIMIT_TYPES; t++)
		account_add(a, IB_UVERBS_RES_OBJECT, (u16)t,
			    a->use.objects[t], -1);
	account_add(a, IB_UVERBS_RES_QUEUE_MEM, 0, a->use.queue_mem, -1);
	account_add(a, IB_UVERBS_RES_PINNED, 0, a->use.pinned, -1);
}

void ivd_account_close(struct ivd_account *a)
{
	static const struct ivd_usage zero;

	if (!a->user)
		return;
	pthread_mutex_lock(&limits_lock);
	/* Every charge is given back before the file's release returns. */
	if (WARN_ON(memcmp(&a->use, &zero, sizeof(zero))))
		account_drop(a);
	if (!--a->user->files) {
		WARN_ON(memcmp(&a->user->use, &zero, sizeof(zero)));
		list_del_init(&a->user->node);
		free(a->user);
	}
	if (!--a->proc->files) {
		WARN_ON(a->proc->pinned);
		list_del_init(&a->proc->node);
		free(a->proc);
	}
	pthread_mutex_unlock(&limits_lock);
	a->user = NULL;
	a->proc = NULL;
}

int ivd_account_cmd_begin(struct ivd_account *a)
{
	int ret = 0;

	pthread_mutex_lock(&limits_lock);
	if (ivd_user_limits.inflight &&
	    a->user->inflight >= ivd_user_limits.inflight)
		ret = -EAGAIN;
	else
		a->user->inflight++;
	pthread_mutex_unlock(&limits_lock);
	return ret;
}

void ivd_account_cmd_end(struct ivd_account *a)
{
	pthread_mutex_lock(&limits_lock);
	WARN_ON(!a->user->inflight);
	a->user->inflight--;
	pthread_mutex_unlock(&limits_lock);
}

/* "MRs", "QPs": the type's name in capitals, plural. */
static const char *type_plural(char *buf, size_t size, u16 type_id)
{
	const char *name = ivd_type_name(type_id);
	size_t i;

	if (!name) {
		snprintf(buf, size, "objects of type %u", type_id);
		return buf;
	}
	for (i = 0; name[i] && i + 2 < size; i++)
		buf[i] = (char)toupper((unsigned char)name[i]);
	buf[i++] = 's';
	buf[i] = '\0';
	return buf;
}

/* Would @held + @amount pass @limit? */
static bool over(u64 held, u64 amount, u64 limit)
{
	return limit != IVD_UNLIMITED && (amount > limit || held > limit - amount);
}

/* Objects and queue memory: the file's limit, then the user's. */
static int charge_quota(struct ivd_account *a, enum ib_uverbs_resource res,
			u16 type_id, u64 amount)
{
	bool obj = res == IB_UVERBS_RES_OBJECT;
	u64 file_held, user_held, file_limit, user_limit;
	char what[40];
	int ret = 0;

	pthread_mutex_lock(&limits_lock);
	file_held = obj ? a->use.objects[type_id] : a->use.queue_mem;
	user_held = obj ? a->user->use.objects[type_id] :
			  a->user->use.queue_mem;
	file_limit = obj ? ivd_file_limits.objects[type_id] :
			   ivd_file_limits.queue_mem;
	user_limit = obj ? ivd_user_limits.objects[type_id] :
			   ivd_user_limits.queue_mem;
	if (over(file_held, amount, file_limit)) {
		if (obj)
			uverbs_set_error("quota: this file holds %llu %s, limit %llu per file (--limit-file-objects)",
					 (unsigned long long)file_held,
					 type_plural(what, sizeof(what), type_id),
					 (unsigned long long)file_limit);
		else
			uverbs_set_error("quota: %llu bytes of %s queues more; this file holds %llu bytes of queues, limit %llu per file (--limit-file-queue-mem)",
					 (unsigned long long)amount,
					 ivd_type_name(type_id) ?: "object",
					 (unsigned long long)file_held,
					 (unsigned long long)file_limit);
		ret = -EDQUOT;
	} else if (over(user_held, amount, user_limit)) {
		if (obj)
			uverbs_set_error("quota: uid %u holds %llu %s, limit %llu per user (--limit-objects)",
					 (unsigned int)a->user->uid,
					 (unsigned long long)user_held,
					 type_plural(what, sizeof(what), type_id),
					 (unsigned long long)user_limit);
		else
			uverbs_set_error("quota: %llu bytes of %s queues more; uid %u holds %llu bytes of queues, limit %llu per user (--limit-queue-mem)",
					 (unsigned long long)amount,
					 ivd_type_name(type_id) ?: "object",
					 (unsigned int)a->user->uid,
					 (unsigned long long)user_held,
					 (unsigned long long)user_limit);
		ret = -EDQUOT;
	} else {
		account_add(a, res, type_id, amount, 1);
	}
	pthread_mutex_unlock(&limits_lock);
	return ret;
}

/* Is CAP_IPC_LOCK in @pid's effective set (a thread id works too)? */
static bool has_cap_ipc_lock(pid_t pid)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = pid,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[0].effective & (1u << CAP_IPC_LOCK_BIT);
}

/*
 * @pid's RLIMIT_MEMLOCK soft limit (a thread id works too): prlimit(2),
 * which needs CAP_SYS_RESOURCE for another user's process, else
 * /proc/PID/limits, which anyone may read.  %IVD_UNLIMITED for none.
 */
static int read_memlock(pid_t pid, u64 *limit)
{
	char path[64], line[256], cur[32];
	struct rlimit rl;
	int ret = -ENOENT;
	FILE *fp;

	if (!prlimit(pid, RLIMIT_MEMLOCK, NULL, &rl)) {
		*limit = rl.rlim_cur == RLIM_INFINITY ? IVD_UNLIMITED :
							 rl.rlim_cur;
		return 0;
	}
	if (errno != EPERM)
		return -errno;
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	fp = fopen(path, "re");
	if (!fp)
		return -errno;
	while (fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "Max locked memory ", 18))
			continue;
		if (sscanf(line + 18, "%31s", cur) != 1)
			break;
		if (!strcmp(cur, "unlimited")) {
			*limit = IVD_UNLIMITED;
			ret = 0;
		} else if (isdigit((unsigned char)cur[0])) {
			*limit = strtoull(cur, NULL, 10);
			ret = 0;
		}
		break;
	}
	fclose(fp);
	return ret;
}

/*
 * Registered memory, as the kernel's ib_umem_get(): the process's sum
 * against the registering thread's RLIMIT_MEMLOCK, read now (it may have
 * changed since the last registration); CAP_IPC_LOCK passes any limit.
 */
static int charge_pinned(struct ivd_account *a, u64 amount, pid_t caller)
{
	pid_t who = caller ? caller : a->proc->tgid;
	u64 limit, held;
	bool refuse;
	int ret;

	ret = read_memlock(who, &limit);
	if (ret) {
		uverbs_set_error("MR_REG: cannot read RLIMIT_MEMLOCK of pid %d: %s",
				 (int)who, ivd_errname(ret));
		return -ENOMEM;
	}
	pthread_mutex_lock(&limits_lock);
	held = a->proc->pinned;
	refuse = over(held, amount, limit);
	if (!refuse)
		account_add(a, IB_UVERBS_RES_PINNED, 0, amount, 1);
	pthread_mutex_unlock(&limits_lock);
	if (!refuse)
		return 0;
	/* The capability is looked at only when the limit would refuse. */
	if (has_cap_ipc_lock(who)) {
		pthread_mutex_lock(&limits_lock);
		account_add(a, IB_UVERBS_RES_PINNED, 0, amount, 1);
		pthread_mutex_unlock(&limits_lock);
		return 0;
	}
	uverbs_set_error("MR_REG: pid %d has %llu bytes registered, %llu more pass its RLIMIT_MEMLOCK of %llu",
			 (int)a->proc->tgid, (unsigned long long)held,
			 (unsigned long long)amount, (unsigned long long)limit);
	return -ENOMEM;
}

int ivd_account_charge(struct ivd_account *a, enum ib_uverbs_resource res,
		       u16 type_id, u64 amount, pid_t caller)
{
	switch (res) {
	case IB_UVERBS_RES_OBJECT:
		if (type_id >= IVD_LIMIT_TYPES)
			return 0;
		return charge_quota(a, res, type_id, amount);
	case IB_UVERBS_RES_QUEUE_MEM:
		return charge_quota(a, res, type_id, amount);
	case IB_UVERBS_RES_PINNED:
		return charge_pinned(a, amount, caller);
	default:
		return 0;
	}
}

void ivd_account_uncharge(struct ivd_account *a, enum ib_uverbs_resource res,
			  u16 type_id, u64 amount)
{
	if (res == IB_UVERBS_RES_OBJECT && type_id >= IVD_LIMIT_TYPES)
		return;
	pthread_mutex_lock(&limits_lock);
	account_add(a, res, type_id, amount, -1);
	pthread_mutex_unlock(&limits_lock);
}

void ivd_account_usage(const struct ivd_account *a, struct ivd_usage *use)
{
	pthread_mutex_lock(&limits_lock);
	*use = a->use;
	pthread_mutex_unlock(&limits_lock);
}

int ivd_limits_for_each_user(int (*fn)(uid_t uid, unsigned int files,
				       const struct ivd_usage *use, void *arg),
			     void *arg)
{
	struct ivd_user *u;
	int ret = 0;

	pthread_mutex_lock(&limits_lock);
	list_for_each_entry(u, &users, node) {
		ret = fn(u->uid, u->files, &u->use, arg);
		if (ret)
			break;
	}
	pthread_mutex_unlock(&limits_lock);
	return ret;
}

void ivd_limits_exit(void)
{
	pthread_mutex_lock(&limits_lock);
	WARN_ON(!list_empty(&users));
	WARN_ON(!list_empty(&procs));
	pthread_mutex_unlock(&limits_lock);
}
