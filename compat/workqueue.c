// SPDX-License-Identifier: MIT
/*
 * Delayed work on a thread per workqueue (the kernel's workqueues, made
 * small): work items sit on a list sorted by deadline; the thread sleeps
 * on a condition variable until the first deadline or a change, runs due
 * items one at a time without the lock held, and marks which one runs so
 * that cancel_delayed_work_sync() can wait for it.
 */
#include <time.h>

#include "compat.h"

struct workqueue_struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;	/* the list, @stop or @running changed */
	struct list_head pending;	/* sorted by deadline, earliest first */
	struct delayed_work *running;
	bool stop;
	char name[32];
};

u64 ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static void ns_to_timespec(u64 ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
}

/* Inserts @dw in deadline order.  wq->lock held. */
static void wq_insert(struct workqueue_struct *wq, struct delayed_work *dw)
{
	struct delayed_work *pos;

	list_for_each_entry(pos, &wq->pending, node) {
		if (pos->deadline_ns > dw->deadline_ns) {
			list_add_tail(&dw->node, &pos->node);
			return;
		}
	}
	list_add_tail(&dw->node, &wq->pending);
}

static void *wq_thread(void *arg)
{
	struct workqueue_struct *wq = arg;
	struct delayed_work *dw;
	struct timespec ts;
	u64 now;

	pthread_mutex_lock(&wq->lock);
	while (!wq->stop) {
		if (list_empty(&wq->pending)) {
			pthread_cond_wait(&wq->changed, &wq->lock);
			continue;
		}
		dw = list_first_entry(&wq->pending, struct delayed_work, node);
		now = ktime_get_ns();
		if (dw->deadline_ns > now) {
			ns_to_timespec(dw->deadline_ns, &ts);
			pthread_cond_timedwait(&wq->changed, &wq->lock, &ts);
			continue;
		}
		list_del_init(&dw->node);
		dw->pending = false;
		wq->running = dw;
		pthread_mutex_unlock(&wq->lock);
		dw->func(dw);
		pthread_mutex_lock(&wq->lock);
		wq->running = NULL;
		pthread_cond_broadcast(&wq->changed);
	}
	pthread_mutex_unlock(&wq->lock);
	return NULL;
}

struct workqueue_struct *alloc_workqueue(const char *name)
{
	struct workqueue_struct *wq = kzalloc(sizeof(*wq));
	pthread_condattr_t ca;
	int err;

	if (!wq)
		return NULL;
	snprintf(wq->name, sizeof(wq->name), "%s", name);
	INIT_LIST_HEAD(&wq->pending);
	pthread_mutex_init(&wq->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wq->changed, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&wq->thread, NULL, wq_thread, wq);
	if (err) {
		pthread_cond_destroy(&wq->changed);
		pthread_mutex_destroy(&wq->lock);
		kfree(wq);
		return NULL;
	}
	return wq;
}

void destroy_workqueue(struct workqueue_struct *wq)
{
	if (!wq)
		return;
	pthread_mutex_lock(&wq->lock);
	WARN_ON(!list_empty(&wq->pending));
	wq->stop = true;
	pthread_cond_broadcast(&wq->changed);
	pthread_mutex_unlock(&wq->lock);
	pthread_join(wq->thread, NULL);
	pthread_cond_destroy(&wq->changed);
	pthread_mutex_destroy(&wq->lock);
	kfree(wq);
}

static bool wq_queue(struct workqueue_struct *wq, struct delayed_work *dw,
		     unsigned long delay_us, bool modify)
{
	bool was_pending;

	pthread_mutex_lock(&wq->lock);
	was_pending = dw->pending;
	if (was_pending && !modify) {
		pthread_mutex_unlock(&wq->lock);
		return false;
	}
	if (was_pending)
		list_del_init(&dw->node);
	dw->wq = wq;
	dw->deadline_ns = ktime_get_ns() + (u64)delay_us * 1000;
	dw->pending = true;
	wq_insert(wq, dw);
	pthread_cond_broadcast(&wq->changed);
	pthread_mutex_unlock(&wq->lock);
	return modify ? was_pending : true;
}

bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
			unsigned long delay_us)
{
	return wq_queue(wq, dw, delay_us, false);
}

bool mod_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
		      unsigned long delay_us)
{
	return wq_queue(wq, dw, delay_us, true);
}

bool cancel_delayed_work_sync(struct delayed_work *dw)
{
	struct workqueue_struct *wq = dw->wq;
	bool was_pending;

	if (!wq)
		return false;	/* never queued */
	pthread_mutex_lock(&wq->lock);
	was_pending = dw->pending;
	if (was_pending) {
		list_del_init(&dw->node);
		dw->pending = false;
	}
	while (wq->running == dw)
		pthread_cond_wait(&wq->changed, &wq->lock);
	pthread_mutex_unlock(&wq->lock);
	return was_pending;
}
