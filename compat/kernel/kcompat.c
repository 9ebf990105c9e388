// SPDX-License-Identifier: MIT
/*
 * The kernel compat/ (see compat.h here): counted allocation with fault
 * injection, per-task state keyed by current, futexes and kick sets on
 * kernel wait queues, delayed work in microseconds, and the shared
 * mappings the module does not offer.
 */
#include <linux/hash.h>
#include <linux/wait.h>

#include <compat.h>
#include <rdma/uverbs_ioctl.h>

/* Allocation. */

static atomic_long_t compat_live;
atomic_t compat_fail_armed = ATOMIC_INIT(0);

void *compat_kmalloc(size_t size, bool zero)
{
	void *p;

	if (compat_should_fail(FAULT_ALLOC))
		return NULL;
	p = kvmalloc(size ? size : 1, zero ? GFP_KERNEL | __GFP_ZERO : GFP_KERNEL);
	if (p)
		atomic_long_inc(&compat_live);
	return p;
}

void *compat_kcalloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return compat_kmalloc(n * size, true);
}

void compat_kfree(const void *p)
{
	if (!p)
		return;
	atomic_long_dec(&compat_live);
	kvfree(p);
}

long compat_live_objects(void)
{
	return atomic_long_read(&compat_live);
}

/*
 * Per-task state.  Buckets of a hash keyed by the task, each under its own
 * spinlock (held for a list walk of a few entries, nothing else).
 */
#define COMPAT_TASK_BITS 6
static struct {
	raw_spinlock_t lock;	/* not spinlock_t: compat.h makes that a mutex */
	struct hlist_head head;
} compat_tasks[1 << COMPAT_TASK_BITS];

static void *compat_no_cmd;	/* current_cmd outside a transport entry */

static void compat_tasks_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(compat_tasks); i++) {
		raw_spin_lock_init(&compat_tasks[i].lock);
		INIT_HLIST_HEAD(&compat_tasks[i].head);
	}
}

static unsigned int compat_task_bucket(const struct task_struct *task)
{
	return hash_ptr((void *)task, COMPAT_TASK_BITS);
}

/**
 * compat_task_enter() - give the calling task its per-task state
 * @t: on the caller's stack, until compat_task_leave()
 * @mm: the task's current_mm; NULL for compat_self_mm
 *
 * Entries nest: the innermost one is found first.
 */
void compat_task_enter(struct compat_task *t, struct compat_mm *mm)
{
	unsigned int b = compat_task_bucket(current);

	t->task = current;
	t->cmd = NULL;
	t->mm = mm;
	t->fail_nth = 0;
	raw_spin_lock(&compat_tasks[b].lock);
	hlist_add_head(&t->node, &compat_tasks[b].head);
	raw_spin_unlock(&compat_tasks[b].lock);
}

void compat_task_leave(struct compat_task *t)
{
	unsigned int b = compat_task_bucket(t->task);

	if (t->fail_nth)
		atomic_dec(&compat_fail_armed);
	raw_spin_lock(&compat_tasks[b].lock);
	hlist_del(&t->node);
	raw_spin_unlock(&compat_tasks[b].lock);
}

/* The calling task's innermost entry, or NULL.  Only it removes it. */
static struct compat_task *compat_task_find(void)
{
	unsigned int b = compat_task_bucket(current);
	struct compat_task *t, *found = NULL;

	if (hlist_empty(&compat_tasks[b].head))
		return NULL;
	raw_spin_lock(&compat_tasks[b].lock);
	hlist_for_each_entry(t, &compat_tasks[b].head, node) {
		if (t->task == current) {
			found = t;
			break;
		}
	}
	raw_spin_unlock(&compat_tasks[b].lock);
	return found;
}

void **compat_current_cmd_slot(void)
{
	struct compat_task *t = compat_task_find();

	if (t)
		return &t->cmd;
	/* Read as NULL; nothing outside an entry may set it. */
	WARN_ON(READ_ONCE(compat_no_cmd));
	return &compat_no_cmd;
}

struct compat_mm *compat_current_mm(void)
{
	struct compat_task *t = compat_task_find();

	return t && t->mm ? t->mm : &compat_self_mm;
}

void compat_fail_nth_set(unsigned int n)
{
	struct compat_task *t = compat_task_find();

	if (WARN_ON(!t))
		return;
	if (!t->fail_nth && n)
		atomic_inc(&compat_fail_armed);
	else if (t->fail_nth && !n)
		atomic_dec(&compat_fail_armed);
	t->fail_nth = n;
}

unsigned int compat_fail_nth_left(void)
{
	struct compat_task *t = compat_task_find();

	return t ? t->fail_nth : 0;
}

bool __compat_should_fail(enum compat_fault_site site)
{
	struct compat_task *t = compat_task_find();

	if (!t || !t->fail_nth)
		return false;
	if (--t->fail_nth)
		return false;
	atomic_dec(&compat_fail_armed);
	return true;
}

void compat_trace_reason(const char *reason)
{
	if (reason[0])
		pr_debug("%s\n", reason);
}

/* The reason stays with the file (ib_uverbs_reason_read()). */
const char *compat_traced_reason(void)
{
	return "";
}

/* Shared mappings: not in the module (compat.h says why). */

void *compat_map_shared(struct compat_mm *mm, int fd, size_t len)
{
	uverbs_set_error("shared rings are not served by the kernel module");
	return ERR_PTR(-EOPNOTSUPP);
}

void *compat_map_shared_ino(struct compat_mm *mm, int fd, size_t len,
			    u64 *ino)
{
	*ino = 0;
	return compat_map_shared(mm, fd, len);
}

void compat_unmap_shared(void *p, size_t len)
{
	WARN_ON(p);
}

u64 compat_file_ino(int local)
{
	return 0;
}

pid_t compat_mm_tgid(struct compat_mm *mm)
{
	if (!mm || !mm->ops->tgid)
		return 0;
	return mm->ops->tgid(mm);
}

/* No client writes a tgid the module reads: never asked. */
bool compat_pid_gone(pid_t pid)
{
	return false;
}

bool compat_mm_may_reach(struct compat_mm *mm, struct compat_mm *peer)
{
	if (!mm || !peer || mm->ops != peer->ops || !mm->ops->may_reach)
		return false;
	return mm->ops->may_reach(mm, peer);
}

/*
 * Futexes on module memory.  A bucket's generation changes with every
 * wake, so a waiter that read the word before the waker wrote it cannot
 * miss the wake (it sleeps only while the generation is the one it read
 * before the word).
 */
#define COMPAT_FUTEX_BITS 6
static struct {
	wait_queue_head_t wq;
	atomic_t gen;
} compat_futex[1 << COMPAT_FUTEX_BITS];

static void compat_futex_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(compat_futex); i++) {
		init_waitqueue_head(&compat_futex[i].wq);
		atomic_set(&compat_futex[i].gen, 0);
	}
}

int compat_futex_wait(u32 *uaddr, u32 val, unsigned long timeout_us)
{
	unsigned int b = hash_ptr(uaddr, COMPAT_FUTEX_BITS);
	int gen = atomic_read(&compat_futex[b].gen);
	long left;

	smp_mb();
	if (READ_ONCE(*uaddr) != val)
		return -EAGAIN;
	if (!timeout_us) {
		left = wait_event_interruptible(compat_futex[b].wq,
						atomic_read(&compat_futex[b].gen) != gen);
		return left ? -EINTR : 0;
	}
	left = wait_event_interruptible_timeout(compat_futex[b].wq,
						atomic_read(&compat_futex[b].gen) != gen,
						usecs_to_jiffies(timeout_us));
	if (left < 0)
		return -EINTR;
	return left ? 0 : -ETIMEDOUT;
}

void compat_futex_wake(u32 *uaddr, int n)
{
	unsigned int b = hash_ptr(uaddr, COMPAT_FUTEX_BITS);

	smp_mb();
	atomic_inc(&compat_futex[b].gen);
	wake_up_all(&compat_futex[b].wq);
}

/* UDP endpoints: none in the module (compat.h). */
bool compat_addr_is_v4(const u8 addr[16])
{
	static const u8 v4mapped[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(addr, v4mapped, sizeof(v4mapped));
}

struct compat_udp *compat_udp_open(const u8 addr[16], u16 port)
{
	return ERR_PTR(-EOPNOTSUPP);
}

void compat_udp_close(struct compat_udp *u)
{
}

int compat_udp_send(struct compat_udp *u, const u8 dst[16], u16 port,
		    const void *buf, size_t len)
{
	return -EOPNOTSUPP;
}

int compat_udp_recv(struct compat_udp *u, void *buf, size_t len,
		    struct compat_udp_meta *m, long timeout_us)
{
	return -EOPNOTSUPP;
}

void compat_udp_wake(struct compat_udp *u)
{
}

/* Kick sets: wakes only (compat_kick_add() has no eventfds to watch). */

struct compat_kickset {
	wait_queue_head_t wq;
	atomic_t wakes;		/* compat_kickset_wake()s not yet taken */
	bool all;		/* compat_kickset_wake_all() */
};

struct compat_kickset *compat_kickset_create(void)
{
	struct compat_kickset *ks = kzalloc(sizeof(*ks));

	if (!ks)
		return NULL;
	init_waitqueue_head(&ks->wq);
	return ks;
}

void compat_kickset_destroy(struct compat_kickset *ks)
{
	kfree(ks);
}

int compat_kick_add(struct compat_kickset *ks, struct compat_mm *mm, int fd,
		    u64 cookie)
{
	return -EOPNOTSUPP;
}

void compat_kick_del(struct compat_kickset *ks, int kick)
{
}

void compat_kickset_wake(struct compat_kickset *ks)
{
	atomic_inc(&ks->wakes);
	wake_up(&ks->wq);
}

void compat_kickset_wake_all(struct compat_kickset *ks)
{
	WRITE_ONCE(ks->all, true);
	wake_up_all(&ks->wq);
}

static bool compat_kickset_take(struct compat_kickset *ks)
{
	int old = atomic_read(&ks->wakes);

	if (READ_ONCE(ks->all))
		return true;
	while (old > 0)
		if (atomic_try_cmpxchg(&ks->wakes, &old, old - 1))
			return true;
	return false;
}

int compat_kickset_wait(struct compat_kickset *ks, u64 *cookies, int max,
			long timeout_us)
{
	long left;

	if (compat_kickset_take(ks) || !timeout_us)
		return 0;
	if (timeout_us < 0) {
		left = wait_event_interruptible(ks->wq, compat_kickset_take(ks));
		return left ? -EINTR : 0;
	}
	left = wait_event_interruptible_timeout(ks->wq, compat_kickset_take(ks),
						usecs_to_jiffies(timeout_us));
	return left < 0 ? -EINTR : 0;
}

/* Delayed work. */

void compat_delayed_work_fn(struct work_struct *w)
{
	struct compat_delayed_work *dw =
		container_of(to_delayed_work(w), struct compat_delayed_work, kwork);

	dw->func(dw);
}

struct workqueue_struct *compat_alloc_workqueue(const char *name)
{
	return (alloc_workqueue)("ioverbs-%s", WQ_UNBOUND, 0, name);
}

/**
 * compat_kernel_init() - set up the kernel compat/ (module init)
 */
void compat_kernel_init(void)
{
	compat_tasks_init();
	compat_futex_init();
}
