/* SPDX-License-Identifier: MIT */
/*
 * What the kernel would provide to core/ and drivers/, implemented in user
 * space: fixed-width types, ERR_PTR, WARN_ON, counted allocation with fault
 * injection, atomics, kref, locks, RCU (liburcu) and uaccess.  core/ and
 * drivers/ include nothing else outside include/.
 */
#ifndef _COMPAT_COMPAT_H
#define _COMPAT_COMPAT_H

#include <errno.h>
#include <stdarg.h> /* va_list, as the kernel's <linux/stdarg.h> */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <sys/types.h> /* pid_t */
#include <linux/types.h>

#include <stdio.h> /* snprintf, as the kernel has it */

#include "list.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#define U64_MAX UINT64_MAX
#define S64_MAX INT64_MAX

#define __user
#define __rcu
#define __must_check __attribute__((warn_unused_result))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define BUILD_BUG_ON_ZERO(e) ((int)(sizeof(struct { int : (-!!(e)); })))
#define __must_be_array(a) \
	BUILD_BUG_ON_ZERO(__builtin_types_compatible_p(__typeof__(a), \
						       __typeof__(&(a)[0])))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]) + __must_be_array(a))

#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))

#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
/*
 * A full barrier.  TSan does not take fences; under it a locked
 * read-modify-write (a full barrier on x86 all the same) stands in.
 */
#if defined(__SANITIZE_THREAD__)
#define COMPAT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define COMPAT_TSAN 1
#endif
#endif
#ifdef COMPAT_TSAN
extern int compat_mb_word;
#define smp_mb() ((void)__atomic_fetch_add(&compat_mb_word, 0, __ATOMIC_SEQ_CST))
#else
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

static inline void __user *u64_to_user_ptr(u64 v)
{
	return (void __user *)(uintptr_t)v;
}

/* ERR_PTR: errnos encoded in the top page of the address space. */
#define MAX_ERRNO 4095
static inline void *ERR_PTR(long err)
{
	return (void *)err;
}

static inline long PTR_ERR(const void *p)
{
	return (long)p;
}

static inline bool IS_ERR(const void *p)
{
	return (uintptr_t)p >= (uintptr_t)-MAX_ERRNO;
}

/* Debug levels, lowest is quietest. */
enum compat_log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int compat_log_level;
void compat_log(int level, const char *fmt, ...) __printf(2, 3);
#define pr_err(...) compat_log(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) compat_log(LOG_WARN, __VA_ARGS__)
#define pr_info(...) compat_log(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) compat_log(LOG_DEBUG, __VA_ARGS__)

/**
 * compat_warn() - report a broken invariant
 *
 * Prints where and what; aborts when compat_warn_abort is set (the test
 * harness sets it), so a WARN_ON in a test is a failure, not a log line.
 * Returns @cond so that WARN_ON() can be used as a condition.
 */
bool compat_warn(bool cond, const char *file, int line, const char *what);
extern bool compat_warn_abort;
/* The condition is tested inline; only a true one costs a call. */
#define WARN_ON(cond)                                                      \
	({                                                                 \
		bool __w = !!(cond);                                       \
		unlikely(__w) ? compat_warn(true, __FILE__, __LINE__, #cond) \
			      : false;                                     \
	})

/*
 * Fault injection, after the kernel's fail-nth: with compat_fail_nth set to
 * N, the Nth injection point this thread passes fails.  Every allocation and
 * every handle lookup is an injection point.
 */
enum compat_fault_site { FAULT_ALLOC, FAULT_LOOKUP };
extern __thread unsigned int compat_fail_nth;
bool __compat_should_fail(enum compat_fault_site site);

/* Inline: an injection point costs one TLS load when nothing is armed. */
static inline bool compat_should_fail(enum compat_fault_site site)
{
	if (likely(!compat_fail_nth))
		return false;
	return __compat_should_fail(site);
}
void compat_fail_nth_set(unsigned int n);
/* Injection points not yet reached: 0 means the Nth point failed. */
unsigned int compat_fail_nth_left(void);

/* Allocation, counted: compat_live_objects() must read 0 after cleanup. */
void *kmalloc(size_t size) __attribute__((malloc));
void *kzalloc(size_t size) __attribute__((malloc));
void *kcalloc(size_t n, size_t size) __attribute__((malloc));
void kfree(const void *p);
long compat_live_objects(void);

/* Atomics (sequentially consistent unless named otherwise). */
typedef struct {
	int counter;
} atomic_t;

static inline int atomic_read(const atomic_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_ACQUIRE);
}

static inline void atomic_set(atomic_t *v, int i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELEASE);
}

static inline int atomic_add_return(int i, atomic_t *v)
{
	return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST);
}

static inline void atomic_inc(atomic_t *v)
{
	atomic_add_return(1, v);
}

static inline void atomic_dec(atomic_t *v)
{
	atomic_add_return(-1, v);
}

static inline bool atomic_dec_and_test(atomic_t *v)
{
	return atomic_add_return(-1, v) == 0;
}

/* Returns true and stores @new if *v was @old. */
static inline bool atomic_try_cmpxchg(atomic_t *v, int *old, int new)
{
	return __atomic_compare_exchange_n(&v->counter, old, new, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

typedef struct {
	long counter;
} atomic_long_t;

static inline long atomic_long_read(const atomic_long_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

static inline long atomic_long_add_return(long i, atomic_long_t *v)
{
	return __atomic_add_fetch(&v->counter, i, __ATOMIC_RELAXED);
}

/* kref: a reference count whose last put calls a release function. */
struct kref {
	atomic_t refcount;
};

static inline void kref_init(struct kref *k)
{
	atomic_set(&k->refcount, 1);
}

static inline void kref_get(struct kref *k)
{
	WARN_ON(atomic_add_return(1, &k->refcount) < 2);
}

static inline bool kref_get_unless_zero(struct kref *k)
{
	int old = atomic_read(&k->refcount);

	do {
		if (!old)
			return false;
	} while (!atomic_try_cmpxchg(&k->refcount, &old, old + 1));
	return true;
}

/* Returns true when this put released the object. */
static inline bool kref_put(struct kref *k, void (*release)(struct kref *k))
{
	if (atomic_dec_and_test(&k->refcount)) {
		release(k);
		return true;
	}
	return false;
}

/* Locks.  Sleeping locks throughout: user space has no preemption control. */
struct mutex {
	pthread_mutex_t m;
};

#define DEFINE_MUTEX(name) struct mutex name = { PTHREAD_MUTEX_INITIALIZER }

void mutex_init(struct mutex *m);
void mutex_destroy(struct mutex *m);
void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);

typedef struct mutex spinlock_t;
#define spin_lock_init mutex_init
#define spin_lock_destroy mutex_destroy
#define spin_lock mutex_lock
#define spin_unlock mutex_unlock

/* Writer-preferring: a waiting writer makes down_read_trylock fail. */
struct rw_semaphore {
	pthread_rwlock_t l;
};

void init_rwsem(struct rw_semaphore *s);
void destroy_rwsem(struct rw_semaphore *s);
void down_read(struct rw_semaphore *s);
bool down_read_trylock(struct rw_semaphore *s);
void up_read(struct rw_semaphore *s);
void down_write(struct rw_semaphore *s);
void up_write(struct rw_semaphore *s);

/*
 * RCU.  One domain (liburcu's memb flavour; threads register themselves on
 * first use).  The device's SRCU-like read section is an RCU read section:
 * readers may sleep, synchronize_rcu() waits for all of them.  A TSan build
 * uses per-thread counters instead, whose ordering TSan can see.
 */
struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

void rcu_read_lock(void);
void rcu_read_unlock(void);
void synchronize_rcu(void);
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head));
/* Waits until every call_rcu() callback queued before it has run. */
void rcu_barrier(void);

#define rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)

/*
 * SRCU: a read section of one domain (a device) that may sleep for as long
 * as its reader likes, and whose grace period waits for that domain's
 * readers only.  A command that blocks (on a client's memory, say) then
 * delays its own device's removal, never another device's, and never the
 * global RCU that frees objects.  Two counters, flipped twice per grace
 * period as in the kernel's classic SRCU.
 */
struct srcu_struct {
	long ctr[2];
	unsigned int idx;
	struct mutex lock;	/* serializes synchronize_srcu() */
};

void init_srcu_struct(struct srcu_struct *ssp);
void cleanup_srcu_struct(struct srcu_struct *ssp);
/* Return: the index to hand to srcu_read_unlock(). */
int srcu_read_lock(struct srcu_struct *ssp);
void srcu_read_unlock(struct srcu_struct *ssp, int idx);
/* Waits for every read section of @ssp that began before the call. */
void synchronize_srcu(struct srcu_struct *ssp);
#define srcu_dereference(p, ssp) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

/*
 * uaccess.  A thread serves one caller at a time; current_mm names the
 * caller's address space (this process, another process, or a test
 * window).  copy_{from,to}_user return the number of bytes NOT copied, as in
 * the kernel, and never fault the caller.
 */
struct compat_mm;
struct compat_mm_ops {
	size_t (*read)(struct compat_mm *mm, void *dst, u64 uaddr, size_t n);
	size_t (*write)(struct compat_mm *mm, u64 uaddr, const void *src,
			size_t n);
	/* A descriptor of ours for the process's @fd (closed by the
	 * caller), or a negative errno.  Optional: -EOPNOTSUPP. */
	int (*get_fd)(struct compat_mm *mm, int fd);
	/*
	 * What a kernel's page pinning (MR registration) checks: is every
	 * byte of [@uaddr, @uaddr + @len) mapped and readable, and writable
	 * too if @write?  0; -EFAULT where nothing is mapped; -EACCES where
	 * the mapping lacks the access.  *@bad: the first address refused.
	 * Optional: an address space without it accepts every range.
	 */
	int (*check)(struct compat_mm *mm, u64 uaddr, u64 len, bool write,
		     u64 *bad);
	/*
	 * The id of the process (a tgid) whose memory this is, as that
	 * process's own peers name it (pidfd_open()); 0 if it has none.
	 * Optional: 0.
	 */
	pid_t (*tgid)(struct compat_mm *mm);
	/*
	 * Would the kernel let the process of @mm reach the memory and
	 * descriptors of the process of @peer (process_vm_*, pidfd_getfd)
	 * and the other way round, as the soft device's direct path needs?
	 * Called only with two address spaces of the same ops.  Optional:
	 * an address space without it never may (embedded: one process).
	 */
	bool (*may_reach)(struct compat_mm *mm, struct compat_mm *peer);
};

/*
 * @owner: who answers for what this memory does to a device's shared
 * threads (a copy through it that blocks): the soft device's NIC pool
 * bounds the threads one owner may hold.  The daemon sets the opener's
 * uid; 0 (this process, a test) is one owner like any other.
 */
struct compat_mm {
	const struct compat_mm_ops *ops;
	u64 owner;
};

extern __thread struct compat_mm *current_mm;

/*
 * Who a command runs for, and which command: like current_mm, what the
 * kernel finds through current.
 *
 * current_pid: the calling thread's id, the kernel's current->pid.  The
 * transport that serves a command for another thread sets it (the daemon:
 * the FUSE caller's tid) and sets it back to 0 after; 0 means this thread,
 * and compat_current_pid() then answers gettid().
 *
 * current_cmd: the command this thread is serving, set by the core
 * (core/ioctl.c) around it, so that code deep inside a handler reaches
 * the command's reason buffer (uverbs_set_error()).  A kernel module
 * keeps it per task the same way: a small hash of running commands keyed
 * by current, each entry on its command's stack, bounded by the threads
 * inside a command.
 */
extern __thread pid_t current_pid;
extern __thread void *current_cmd;
pid_t compat_current_pid(void);

/*
 * The tracer's hook: the core calls it at the end of every command with
 * the reason it failed, or "" for a success.  User space keeps the last
 * one per serving thread for tests and logs (compat_traced_reason(),
 * behind ib_uverbs_last_error());
 * a kernel would emit a tracepoint.
 */
void compat_trace_reason(const char *reason);
const char *compat_traced_reason(void);
/* This process, with fault-safe copies. */
extern struct compat_mm compat_self_mm;

size_t __must_check copy_from_user(void *dst, const void __user *src,
				   size_t n);
size_t __must_check copy_to_user(void __user *dst, const void *src, size_t n);

/**
 * compat_mm_check() - would a kernel pin [@uaddr, @uaddr + @len) of @mm?
 * @mm: the address space; NULL is this process
 * @uaddr: first byte
 * @len: bytes, at least one
 * @write: the pages must be writable too
 * @bad: set to the first address refused (only on failure)
 *
 * Return: 0, -EFAULT (not mapped there) or -EACCES (mapped without the
 * access); 0 for an address space that cannot tell (no check op).
 */
static inline int __must_check compat_mm_check(struct compat_mm *mm,
					       u64 uaddr, u64 len, bool write,
					       u64 *bad)
{
	if (!mm)
		mm = &compat_self_mm;
	if (!mm->ops->check)
		return 0;
	return mm->ops->check(mm, uaddr, len, write, bad);
}

/**
 * compat_maps_check() - a range against a process's memory map
 * @pid: the process or thread whose /proc/PID/maps is read; 0 for ours
 * @uaddr: first byte
 * @len: bytes, at least one
 * @write: every byte must be writable too
 * @bad: set to the first address refused (only on failure)
 *
 * What get_user_pages() would refuse: a hole, a mapping without read
 * (PROT_NONE) or, for @write, without write permission, and the
 * kernel's [vvar] pages (VM_IO | VM_PFNMAP).  The answer holds when it is
 * read: the process may change its map at any time after.
 * Return: 0, -EFAULT (a hole), -EACCES (the access is missing), or
 * -ESRCH when the map cannot be read (no such process, not ours to read,
 * no /proc).
 */
int compat_maps_check(int pid, u64 uaddr, u64 len, bool write, u64 *bad);

/* Sleeps at least @min_us microseconds (@max_us is the kernel's slack). */
void usleep_range(unsigned long min_us, unsigned long max_us);

/*
 * Memory a process shares with the device: @len bytes of the memfd @fd of
 * @mm's process, which must be sealed against shrinking (F_SEAL_SHRINK)
 * so that no access through the mapping can fault.  The mapping stays
 * valid whatever the process does; compat_unmap_shared() ends it.
 * Returns the mapping or an ERR_PTR: -EBADF (not its descriptor),
 * -EINVAL (not a sealed memfd, or smaller than @len), -EOPNOTSUPP (the
 * address space cannot share descriptors), -ENOMEM.
 */
void *compat_map_shared(struct compat_mm *mm, int fd, size_t len);
/* As compat_map_shared(); also stores the memfd's inode number in @ino. */
void *compat_map_shared_ino(struct compat_mm *mm, int fd, size_t len,
			    u64 *ino);
void compat_unmap_shared(void *p, size_t len);

/* The inode number of our descriptor @local (a kernel: file_inode()), 0 if none. */
u64 compat_file_ino(int local);

/* @mm's process id (compat_mm_ops.tgid), 0 if it cannot tell; NULL is ours. */
pid_t compat_mm_tgid(struct compat_mm *mm);

/* Is there certainly no process @pid (kill(@pid, 0) says ESRCH)? */
bool compat_pid_gone(pid_t pid);

/*
 * compat_mm_ops.may_reach of @mm for @peer: false when either is NULL,
 * their ops differ or have no may_reach.
 */
bool compat_mm_may_reach(struct compat_mm *mm, struct compat_mm *peer);

/*
 * Futexes on shared memory (not process-private).  wait returns 0 when
 * woken, -EAGAIN if *@uaddr != @val, -ETIMEDOUT after @timeout_us (0:
 * none), -EINTR.
 */
int compat_futex_wait(u32 *uaddr, u32 val, unsigned long timeout_us);
void compat_futex_wake(u32 *uaddr, int n);

/*
 * Kernel threads: kthread_run() starts @fn(@data) on a thread of its own;
 * kthread_stop() makes kthread_should_stop() true in it, wakes it from
 * kthread_wake_up()'s point of view, and waits for @fn to return.
 */
struct task_struct;
struct task_struct *kthread_run(int (*fn)(void *data), void *data,
				const char *name);
int kthread_stop(struct task_struct *t);
bool kthread_should_stop(void);
/* Lets other threads run (a polling loop's back-off). */
void cond_resched(void);

/* Monotonic time, as the kernel's ktime_get_ns(). */
u64 ktime_get_ns(void);

/* CPUs online now (at least 1). */
unsigned int num_online_cpus(void);

/*
 * UDP endpoints (compat/net.c) for a driver's network port.  Addresses
 * are 16 bytes: IPv6, or IPv4 as ::ffff:a.b.c.d.  compat_udp_open()
 * binds @addr:@port (IPv4: with the don't-fragment bit set on what it
 * sends, so the IP ID is 0) and returns the endpoint or an ERR_PTR
 * (-EADDRNOTAVAIL for :: or a multicast address, the socket's errno).
 * An endpoint sends to addresses of its own family only
 * (-EAFNOSUPPORT).  compat_udp_send() sends one
 * datagram: 0 or a negative errno.  compat_udp_recv() receives one's
 * payload into @buf and what came with it into @m: its length, -EAGAIN
 * after @timeout_us (-1: no limit), -EINTR after a compat_udp_wake(),
 * -EMSGSIZE for a datagram longer than @len, -EBADMSG for one that is
 * not well formed (both dropped).  Where the endpoint may read raw IP
 * (CAP_NET_RAW), @m has the IPv4 and UDP headers as they arrived.  A
 * kernel module has none: -EOPNOTSUPP.
 */
struct compat_udp;

/**
 * struct compat_udp_meta - what came with a datagram
 * @src: the sender's address
 * @dst: the address it was sent to
 * @dst_known: @dst is known (else all zero)
 * @sport: the sender's UDP port
 * @has_l3: @l3 holds its IPv4 header (20 bytes, no options) and UDP
 *	header as received; false when the socket cannot see them (and
 *	for IPv6, whose header has nothing the ICRC covers that the
 *	addresses and ports do not say)
 * @l3: those headers
 */
struct compat_udp_meta {
	u8 src[16];
	u8 dst[16];
	bool dst_known;
	u16 sport;
	bool has_l3;
	u8 l3[28];
};

bool compat_addr_is_v4(const u8 addr[16]);
struct compat_udp *compat_udp_open(const u8 addr[16], u16 port);
void compat_udp_close(struct compat_udp *u);
int compat_udp_send(struct compat_udp *u, const u8 dst[16], u16 port,
		    const void *buf, size_t len);
int compat_udp_recv(struct compat_udp *u, void *buf, size_t len,
		    struct compat_udp_meta *m, long timeout_us);
void compat_udp_wake(struct compat_udp *u);

/*
 * Kick sets (compat/kick.c): threads of a driver sleep until one of many
 * client eventfds is written (a kernel: eventfd_ctx_fdget() and a
 * wait-queue callback per eventfd, as vhost).  compat_kick_add() takes
 * @mm's eventfd @fd into the set under @cookie (non-zero) and returns our
 * descriptor for it, or -EBADF (no such fd), -EINVAL (not an eventfd),
 * -ENOMEM, -EOPNOTSUPP; compat_kick_del() drops it.  Edge triggered:
 * every write after a wait reported the cookie reports it again.
 * compat_kickset_wait() stores the cookies of the kicks that came (at
 * most @max) and returns how many, or -EINTR; if none came it first
 * sleeps up to @timeout_us (0: not at all, -1: no limit; rounded up to a
 * millisecond) until a kick or a compat_kickset_wake(), which wakes one
 * waiter (0 cookies then).  After compat_kickset_wake_all() every wait
 * returns at once.  The set is safe to use from any number of threads.
 */
struct compat_kickset;
struct compat_kickset *compat_kickset_create(void);
void compat_kickset_destroy(struct compat_kickset *ks);
int compat_kick_add(struct compat_kickset *ks, struct compat_mm *mm, int fd,
		    u64 cookie);
void compat_kick_del(struct compat_kickset *ks, int kick);
void compat_kickset_wake(struct compat_kickset *ks);
void compat_kickset_wake_all(struct compat_kickset *ks);
int compat_kickset_wait(struct compat_kickset *ks, u64 *cookies, int max,
			long timeout_us);

/*
 * Delayed work, as the kernel's: a function run later on a workqueue's
 * thread.  Delays are in microseconds (the kernel's are jiffies).  A work
 * item is pending at most once; mod_delayed_work() moves its deadline.
 * cancel_delayed_work_sync() returns once it is neither pending nor
 * running, so its owner may free it (a work function must not cancel its
 * own item).
 */
struct workqueue_struct;
struct delayed_work;
typedef void (*work_func_t)(struct delayed_work *dw);

struct delayed_work {
	struct list_head node;
	work_func_t func;
	struct workqueue_struct *wq;
	u64 deadline_ns;
	bool pending;
};

static inline void INIT_DELAYED_WORK(struct delayed_work *dw, work_func_t fn)
{
	INIT_LIST_HEAD(&dw->node);
	dw->func = fn;
	dw->wq = NULL;
	dw->deadline_ns = 0;
	dw->pending = false;
}

struct workqueue_struct *alloc_workqueue(const char *name);
/* Every work item must be cancelled first (WARN otherwise). */
void destroy_workqueue(struct workqueue_struct *wq);
/* Queues @dw to run after @delay_us unless pending: true if queued. */
bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
			unsigned long delay_us);
/* Queues @dw, or moves its deadline: true if it was pending. */
bool mod_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
		      unsigned long delay_us);
/* True if it was pending; waits for a run in progress either way. */
bool cancel_delayed_work_sync(struct delayed_work *dw);

/* Unpredictable numbers (MR keys), from the kernel's getrandom(). */
u32 get_random_u32(void);

/*
 * File descriptors for FD objects in embedded mode: an eventfd the caller
 * can poll.  Returns the fd or a negative errno.
 */
int compat_event_fd_alloc(void);
void compat_event_fd_release(int fd);

/**
 * compat_init() - set up what the rest of compat needs
 *
 * Installs the uaccess fault handler and makes compat_self_mm the default
 * address space.  Idempotent; returns 0 or a negative errno.
 */
int compat_init(void);

#endif /* _COMPAT_COMPAT_H */
