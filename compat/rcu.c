// SPDX-License-Identifier: MIT
/*
 * RCU for core/: read sections and grace periods from a backend (liburcu,
 * or under TSan a reader-writer lock whose ordering TSan understands), and
 * call_rcu()/rcu_barrier() on a worker thread of our own that waits for a
 * grace period before running each batch of callbacks.
 */
#include "compat.h"

#if defined(__SANITIZE_THREAD__)
#define COMPAT_RCU_RWLOCK 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define COMPAT_RCU_RWLOCK 1
#endif
#endif

#ifdef COMPAT_RCU_RWLOCK
/*
 * Writer-preferring, so that synchronize_rcu() is not starved by a stream
 * of commands.  Read sections must then not nest; core/ never nests them.
 */
static pthread_rwlock_t rcu_rwlock;
static pthread_once_t rcu_rwlock_once = PTHREAD_ONCE_INIT;

static void rcu_rwlock_init(void)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&rcu_rwlock, &attr);
	pthread_rwlockattr_destroy(&attr);
}

void rcu_read_lock(void)
{
	pthread_once(&rcu_rwlock_once, rcu_rwlock_init);
	pthread_rwlock_rdlock(&rcu_rwlock);
}

void rcu_read_unlock(void)
{
	pthread_rwlock_unlock(&rcu_rwlock);
}

void synchronize_rcu(void)
{
	pthread_once(&rcu_rwlock_once, rcu_rwlock_init);
	pthread_rwlock_wrlock(&rcu_rwlock);
	pthread_rwlock_unlock(&rcu_rwlock);
}
#else
void compat_rcu_backend_read_lock(void);
void compat_rcu_backend_read_unlock(void);
void compat_rcu_backend_synchronize(void);

void rcu_read_lock(void)
{
	compat_rcu_backend_read_lock();
}

void rcu_read_unlock(void)
{
	compat_rcu_backend_read_unlock();
}

void synchronize_rcu(void)
{
	compat_rcu_backend_synchronize();
}
#endif

/*
 * Deferred callbacks.  Lock order: cb_lock only, never held across a grace
 * period or a callback.  queued/done count callbacks so that rcu_barrier()
 * waits exactly for those queued before it.
 */
static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cb_more = PTHREAD_COND_INITIALIZER;
static pthread_cond_t cb_done = PTHREAD_COND_INITIALIZER;
static struct rcu_head *cb_list;
static unsigned long cb_queued, cb_finished;
static bool cb_worker_started;

static void *rcu_worker(void *arg)
{
	struct rcu_head *batch, *next;
	unsigned long n;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&cb_lock);
		while (!cb_list)
			pthread_cond_wait(&cb_more, &cb_lock);
		batch = cb_list;
		cb_list = NULL;
		pthread_mutex_unlock(&cb_lock);

		synchronize_rcu();
		for (n = 0; batch; batch = next, n++) {
			next = batch->next;
			batch->func(batch);
		}

		pthread_mutex_lock(&cb_lock);
		cb_finished += n;
		pthread_cond_broadcast(&cb_done);
		pthread_mutex_unlock(&cb_lock);
	}
	return NULL;
}

void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head))
{
	pthread_t t;

	head->func = func;
	pthread_mutex_lock(&cb_lock);
	if (!cb_worker_started) {
		/* Without a worker, fall back to waiting here. */
		if (pthread_create(&t, NULL, rcu_worker, NULL)) {
			pthread_mutex_unlock(&cb_lock);
			synchronize_rcu();
			func(head);
			return;
		}
		pthread_detach(t);
		cb_worker_started = true;
	}
	head->next = cb_list;
	cb_list = head;
	cb_queued++;
	pthread_cond_signal(&cb_more);
	pthread_mutex_unlock(&cb_lock);
}

void rcu_barrier(void)
{
	unsigned long target;

	pthread_mutex_lock(&cb_lock);
	target = cb_queued;
	while (cb_finished < target)
		pthread_cond_wait(&cb_done, &cb_lock);
	pthread_mutex_unlock(&cb_lock);
}
