// SPDX-License-Identifier: MIT
/*
 * RCU for core/: read sections and grace periods from a backend (liburcu,
 * or under TSan per-thread counters whose ordering TSan understands), and
 * call_rcu()/rcu_barrier() on a worker thread of our own that waits for a
 * grace period before running each batch of callbacks.
 */
#include <sched.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

#include "compat.h"

#if defined(__SANITIZE_THREAD__)
#define COMPAT_RCU_COUNTERS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define COMPAT_RCU_COUNTERS 1
#endif
#endif

#ifdef COMPAT_RCU_COUNTERS
/*
 * Grace periods from per-thread counters, on C11 atomics TSan can follow.
 * A reader stores the grace-period number it started in (0 when outside);
 * synchronize_rcu() advances the number and waits until no thread is
 * inside a section that started before.  Sequentially consistent stores
 * and loads make "the writer saw 0" imply "the reader's section began
 * after the writer's unpublish".  Readers never block.
 */
struct rcu_reader {
	unsigned long ctr;		/* 0, or the period its section began in */
	unsigned int nest;
	struct rcu_reader *next;
};

static pthread_mutex_t readers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rcu_reader *readers;
static unsigned long gp = 1;
static pthread_key_t reader_key;
static pthread_once_t reader_once = PTHREAD_ONCE_INIT;
static __thread struct rcu_reader *self;

static void reader_exit(void *arg)
{
	struct rcu_reader *r = arg, **p;

	pthread_mutex_lock(&readers_lock);
	for (p = &readers; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&readers_lock);
	free(r);
}

static void reader_key_init(void)
{
	pthread_key_create(&reader_key, reader_exit);
}

/* Not counted as a live object: it belongs to the thread, not the core. */
static struct rcu_reader *reader_self(void)
{
	if (likely(self))
		return self;
	pthread_once(&reader_once, reader_key_init);
	self = calloc(1, sizeof(*self));
	if (!self)
		abort();
	pthread_setspecific(reader_key, self);
	pthread_mutex_lock(&readers_lock);
	self->next = readers;
	readers = self;
	pthread_mutex_unlock(&readers_lock);
	return self;
}

void rcu_read_lock(void)
{
	struct rcu_reader *r = reader_self();

	if (r->nest++)
		return;
	__atomic_store_n(&r->ctr, __atomic_load_n(&gp, __ATOMIC_SEQ_CST),
			 __ATOMIC_SEQ_CST);
}

void rcu_read_unlock(void)
{
	struct rcu_reader *r = self;

	if (--r->nest)
		return;
	__atomic_store_n(&r->ctr, 0, __ATOMIC_SEQ_CST);
}

void synchronize_rcu(void)
{
	unsigned long target = __atomic_add_fetch(&gp, 1, __ATOMIC_SEQ_CST);
	struct rcu_reader *r;
	unsigned int spins;
	unsigned long c;

	pthread_mutex_lock(&readers_lock);
	for (r = readers; r; r = r->next) {
		for (spins = 0;; spins++) {
			c = __atomic_load_n(&r->ctr, __ATOMIC_SEQ_CST);
			if (!c || c >= target)
				break;
			/* Readers may sleep: yield, then back off. */
			if (spins < 100)
				sched_yield();
			else
				usleep(50);
		}
	}
	pthread_mutex_unlock(&readers_lock);
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

/*
 * One grace period serves every callback queued within RCU_BATCH_US of
 * the first: a grace period costs a membarrier (IPIs to every CPU), and
 * one per callback made create/destroy several times slower.
 * rcu_barrier() cuts the wait short.
 */
#define RCU_BATCH_US 1000

static bool cb_hurry;

static void *rcu_worker(void *arg)
{
	struct rcu_head *batch, *next;
	struct timespec until;
	unsigned long n;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&cb_lock);
		while (!cb_list)
			pthread_cond_wait(&cb_more, &cb_lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += RCU_BATCH_US * 1000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!cb_hurry &&
		       pthread_cond_timedwait(&cb_more, &cb_lock, &until) == 0)
			;
		cb_hurry = false;
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
	/* Only an empty list means the worker may be asleep waiting. */
	if (!cb_list)
		pthread_cond_signal(&cb_more);
	head->next = cb_list;
	cb_list = head;
	cb_queued++;
	pthread_mutex_unlock(&cb_lock);
}

void rcu_barrier(void)
{
	unsigned long target;

	pthread_mutex_lock(&cb_lock);
	target = cb_queued;
	if (cb_finished < target) {
		cb_hurry = true;
		pthread_cond_signal(&cb_more);
	}
	while (cb_finished < target)
		pthread_cond_wait(&cb_done, &cb_lock);
	pthread_mutex_unlock(&cb_lock);
}
