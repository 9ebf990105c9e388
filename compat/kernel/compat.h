/* SPDX-License-Identifier: MIT */
/*
 * What the kernel provides to core/ and drivers/, as they name it: the
 * kernel compat/ of the module (kmod/).  compat/compat.h is the user-space
 * side of the same names; this one maps them to the kernel's own.  The
 * module's build puts compat/kernel/ first on the include path
 * (NOSTDINC_FLAGS, kmod/Kbuild), so <compat.h> is this file there, and
 * core/ and drivers/ compile unchanged.
 *
 * Most names are the kernel's already (atomics, kref, mutexes, rwsems,
 * RCU, SRCU, copy_{from,to}_user, WARN_ON, ERR_PTR, lists, kthreads).
 * Where our names differ from the kernel's (allocation without gfp flags,
 * microsecond delays, a work function that takes the delayed work), a
 * macro after the kernel's headers points them at compat_ functions of
 * compat/kernel/.  Nothing may include a kernel header after this one: a
 * renamed name would then read as ours.
 */
#ifndef _COMPAT_COMPAT_H
#define _COMPAT_COMPAT_H

#undef pr_fmt
#define pr_fmt(fmt) "ioverbs: " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/stdarg.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#ifndef INT32_MAX
#define INT32_MAX S32_MAX
#endif
#ifndef UINT32_MAX
#define UINT32_MAX U32_MAX
#endif
#ifndef UINT64_MAX
#define UINT64_MAX U64_MAX
#endif

/* Any integer (an ioctl's unsigned long argument too), as user space's. */
#undef u64_to_user_ptr
static inline void __user *u64_to_user_ptr(u64 v)
{
	return (void __user *)(uintptr_t)v;
}

/*
 * test_driver.h declares its user-space helpers' structs along with the
 * driver (struct td_bg holds a thread): the name only, never used here.
 */
typedef unsigned long pthread_t;

/*
 * Names the kernel's headers define that core/ and drivers/ define for
 * themselves (static helpers): theirs stay theirs.
 */
#define mem_is_zero ioverbs_mem_is_zero

/* Debug levels, as the user-space side has them. */
enum compat_log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/*
 * Fault injection, after the kernel's fail-nth (which Debian's kernel
 * does not build): compat_fail_nth_set(N) arms the calling task, whose
 * Nth injection point then fails.  While no task is armed an injection
 * point costs one load.
 */
enum compat_fault_site { FAULT_ALLOC, FAULT_LOOKUP };
extern atomic_t compat_fail_armed;
bool __compat_should_fail(enum compat_fault_site site);

static inline bool compat_should_fail(enum compat_fault_site site)
{
	if (likely(!atomic_read(&compat_fail_armed)))
		return false;
	return __compat_should_fail(site);
}
/* The calling task's count; it must be inside compat_task_enter(). */
void compat_fail_nth_set(unsigned int n);
unsigned int compat_fail_nth_left(void);

/*
 * Allocation without gfp flags: GFP_KERNEL (every caller may sleep),
 * kvmalloc so that big tables (a handle table's top level) need no
 * high-order pages, counted for compat_live_objects() like user space's.
 */
void *compat_kmalloc(size_t size, bool zero);
void *compat_kcalloc(size_t n, size_t size);
void compat_kfree(const void *p);
long compat_live_objects(void);
#undef kmalloc
#undef kzalloc
#undef kcalloc
#undef kfree
#define kmalloc(size) compat_kmalloc((size), false)
#define kzalloc(size) compat_kmalloc((size), true)
#define kcalloc(n, size) compat_kcalloc((n), (size))
#define kfree(p) compat_kfree(p)

/*
 * Locks.  spinlock_t is a mutex here too: the soft device copies client
 * memory (which may fault and sleep) under its queue locks, as user space
 * lets it; a real spinlock there would sleep in atomic context.
 */
typedef struct mutex compat_spinlock_t;
#define spinlock_t compat_spinlock_t
#undef spin_lock_init
#define spin_lock_init(l) mutex_init(l)
#define spin_lock_destroy(l) mutex_destroy(l)
#define spin_lock(l) mutex_lock(l)
#define spin_unlock(l) mutex_unlock(l)
#define destroy_rwsem(s) do { } while (0)

/*
 * uaccess.  copy_{from,to}_user are the kernel's, on the calling task's
 * address space (a command runs in its caller).  A compat_mm is an
 * address space that other threads reach (the soft device's engine on a
 * context's MRs): compat/kernel/mm.c implements one over an mm_struct
 * with get_user_pages_remote(), as a kernel driver reaches a process's
 * memory it did not pin.
 */
struct compat_mm;
struct compat_mm_ops {
	size_t (*read)(struct compat_mm *mm, void *dst, u64 uaddr, size_t n);
	size_t (*write)(struct compat_mm *mm, u64 uaddr, const void *src,
			size_t n);
	int (*get_fd)(struct compat_mm *mm, int fd);
	int (*check)(struct compat_mm *mm, u64 uaddr, u64 len, bool write,
		     u64 *bad);
	/* As user space's; the module sets neither: no direct path. */
	pid_t (*tgid)(struct compat_mm *mm);
	bool (*may_reach)(struct compat_mm *mm, struct compat_mm *peer);
};

struct compat_mm {
	const struct compat_mm_ops *ops;
	u64 owner;
};

/*
 * The calling task's address space: what the transport serving the task
 * set (compat_task_enter()); compat_self_mm, the task's own memory
 * through copy_{from,to}_user, is the answer for a task that set none.
 */
extern struct compat_mm compat_self_mm;
struct compat_mm *compat_current_mm(void);
#define current_mm compat_current_mm()

/**
 * compat_mm_check() - would pinning [@uaddr, @uaddr + @len) of @mm work?
 * As the user-space side's: 0, -EFAULT or -EACCES, *@bad the first
 * address refused.
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

/*
 * Per-task state: what user space keeps in __thread variables (the
 * running command, the address space a transport set, fail-nth).  The
 * kernel has no thread-local storage for a module, so a transport entry
 * (the module's ioctl and read) enters a struct compat_task on its stack,
 * found again through a small hash keyed by current; tasks outside a
 * transport entry have none.  Bounded by the tasks inside a command.
 */
struct compat_task {
	struct hlist_node node;
	struct task_struct *task;
	void *cmd;
	struct compat_mm *mm;
	unsigned int fail_nth;
};

void compat_task_enter(struct compat_task *t, struct compat_mm *mm);
void compat_task_leave(struct compat_task *t);
/* The running task's current_cmd; a harmless NULL slot outside entries. */
void **compat_current_cmd_slot(void);
#define current_cmd (*compat_current_cmd_slot())

static inline pid_t compat_current_pid(void)
{
	return task_pid_nr(current);
}

/* The tracer's hook: a pr_debug (dynamic debug) line per failure. */
void compat_trace_reason(const char *reason);
const char *compat_traced_reason(void);

/*
 * Memory a process shares with the device (a sealed memfd).  Not in the
 * module: the soft device's shared rings need a doorbell and completion
 * futexes that only user space can wake (see docs/internals.md, "The
 * kernel module"), so SOFT_VENDOR_ATTACH answers EOPNOTSUPP and the
 * device serves post and poll through commands.
 */
void *compat_map_shared(struct compat_mm *mm, int fd, size_t len);
void *compat_map_shared_ino(struct compat_mm *mm, int fd, size_t len,
			    u64 *ino);
void compat_unmap_shared(void *p, size_t len);
/* Nothing is shared, so the direct path never is (no descriptors, no tgid). */
u64 compat_file_ino(int local);
pid_t compat_mm_tgid(struct compat_mm *mm);
bool compat_pid_gone(pid_t pid);
bool compat_mm_may_reach(struct compat_mm *mm, struct compat_mm *peer);

/*
 * Futexes on words of the module's own memory (a kernel wait queue per
 * hashed address): wait returns 0 when woken, -EAGAIN if *@uaddr !=
 * @val, -ETIMEDOUT, -EINTR.
 */
int compat_futex_wait(u32 *uaddr, u32 val, unsigned long timeout_us);
void compat_futex_wake(u32 *uaddr, int n);

/*
 * UDP endpoints: the module has no RoCE port (no socket of its own), so
 * compat_udp_open() answers -EOPNOTSUPP and the rest never run.
 */
struct compat_udp;
bool compat_addr_is_v4(const u8 addr[16]);
struct compat_udp *compat_udp_open(const u8 addr[16], u16 port);
void compat_udp_close(struct compat_udp *u);
int compat_udp_send(struct compat_udp *u, const u8 dst[16], u16 port,
		    const void *buf, size_t len);
struct compat_udp_meta {
	u8 src[16];
	u8 dst[16];
	bool dst_known;
	u16 sport;
	bool has_l3;
	u8 l3[28];
};
int compat_udp_recv(struct compat_udp *u, void *buf, size_t len,
		    struct compat_udp_meta *m, long timeout_us);
void compat_udp_wake(struct compat_udp *u);

/* Kick sets: wake, wake_all and timed waits; no client eventfds. */
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
 * Delayed work whose function takes the delayed work and whose delays
 * are microseconds, over the kernel's: the kernel's struct is inside.
 */
typedef struct delayed_work compat_kernel_delayed_work_t;
struct compat_delayed_work;
typedef void (*compat_work_func_t)(struct compat_delayed_work *dw);
struct compat_delayed_work {
	compat_kernel_delayed_work_t kwork;
	compat_work_func_t func;
};
#define delayed_work compat_delayed_work
#define work_func_t compat_work_func_t

void compat_delayed_work_fn(struct work_struct *w);
#undef INIT_DELAYED_WORK
#define INIT_DELAYED_WORK(dw, fn)                                          \
	do {                                                               \
		struct compat_delayed_work *__dw = (dw);                   \
		__INIT_DELAYED_WORK(&__dw->kwork,                          \
				    compat_delayed_work_fn, 0);            \
		__dw->func = (fn);                                         \
	} while (0)

struct workqueue_struct *compat_alloc_workqueue(const char *name);
#undef alloc_workqueue
#define alloc_workqueue(name) compat_alloc_workqueue(name)
#define queue_delayed_work(wq, dw, us) \
	queue_delayed_work((wq), &(dw)->kwork, usecs_to_jiffies(us))
#define mod_delayed_work(wq, dw, us) \
	mod_delayed_work((wq), &(dw)->kwork, usecs_to_jiffies(us))
#define cancel_delayed_work_sync(dw) cancel_delayed_work_sync(&(dw)->kwork)

/* FD objects without a transport's hook: none in the kernel. */
static inline int compat_event_fd_alloc(void)
{
	return -EOPNOTSUPP;
}

static inline void compat_event_fd_release(int fd)
{
}

/* Module init sets up the tables above; call before anything else. */
void compat_kernel_init(void);

static inline int compat_init(void)
{
	return 0;
}

/*
 * Names the core exports that Linux's ib_core exports too: the module
 * exports them under its own prefix, so that ioverbs_core.ko loads in a
 * kernel that has ib_core loaded (rdma_rxe beside us; the kernel refuses
 * a module exporting a symbol already exported).  `make kmod` fails if
 * an export of ours meets one of the kernel's (kmod/kmod.mk).
 */
#define ib_register_device ioverbs_ib_register_device
#define ib_unregister_device ioverbs_ib_unregister_device
#define uverbs_copy_to ioverbs_uverbs_copy_to

#endif /* _COMPAT_COMPAT_H */
